// Every test file loads kafkajs after its read_committed filter is replaced (src/kafka/read-committed-filter.ts).
import '../../src/kafka/read-committed-filter.js';
