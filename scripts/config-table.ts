// Prints the README's configuration table from the env schema: npm run config:table
import { renderConfigTable } from '../src/config/config-table.js';

console.log(renderConfigTable());
