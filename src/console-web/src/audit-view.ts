/** The audit log (admins): who did what, when. */
import { html } from 'lit';
import * as api from './api.js';

type Entry = Awaited<ReturnType<typeof api.auditLog>>['entries'][number];

export class AuditView {
  private entries: Entry[] = [];
  constructor(private readonly redraw: () => void) {}

  async load(): Promise<void> {
    this.entries = (await api.auditLog()).entries;
    this.redraw();
  }

  template() {
    return html`<section class="audit">
      <h2>Audit log</h2>
      <table>
        <thead>
          <tr>
            <th>when</th>
            <th>who</th>
            <th>action</th>
            <th>target</th>
            <th>details</th>
          </tr>
        </thead>
        <tbody>
          ${this.entries.map(
            (e) =>
              html`<tr>
                <td>${new Date(e.at).toISOString()}</td>
                <td>${e.actor}</td>
                <td>${e.action}</td>
                <td>${e.target ?? ''}</td>
                <td><code>${JSON.stringify(e.details)}</code></td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>`;
  }
}
