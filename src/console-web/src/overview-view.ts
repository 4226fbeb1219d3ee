/**
 * The overview: decisions over time per signal and model@version, UNSCORED reasons, top flagged
 * link domains, live precision per model@version and decision (from verdicts, inverse-probability
 * weighted), the audit sample's missed-violation and false-negative estimates, shadow agreement.
 * Charts by Chart.js (canvas; no inline styles or scripts, so the strict CSP holds).
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { html, nothing } from 'lit';
import * as api from './api.js';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);
Chart.defaults.animation = false;

const COLORS: Record<string, string> = {
  ALLOW: '#3b8f5a',
  REVIEW: '#d69a22',
  BLOCK: '#c23b3b',
  UNSCORED: '#8a8f98',
};
const PALETTE = ['#3565b5', '#c23b3b', '#d69a22', '#3b8f5a', '#7d4fb0', '#2a9bb0', '#8a8f98'];
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export class OverviewView {
  private data: api.Overview | undefined;
  private charts: Chart[] = [];

  async load(): Promise<void> {
    this.data = await api.overview();
  }

  template() {
    const d = this.data;
    if (!d) return html`<section class="overview">loading…</section>`;
    const precision = d.estimates.filter((e) => e.decision !== 'ALLOW');
    const missed = d.estimates.filter((e) => e.decision === 'ALLOW');
    return html`<section class="overview">
      <div class="cards">
        ${d.open.map((o) => html`<div class="card"><span>${o.count}</span> open in ${o.queue}</div>`)}
        ${precision.map(
          (e) =>
            html`<div class="card precision" data-key=${`${e.signal}|${e.model}|${e.decision}`}>
              <span class="value">${pct(e.violatingRate)}</span> precision of ${e.decision}<br /><small
                >${e.signal} ${e.model}, n = ${e.n} (± ${pct(e.standardError)})</small
              >
            </div>`,
        )}
        ${missed.map((e) => html`<div class="card"><span>${pct(e.violatingRate)}</span> of audited ALLOW violate<br /><small>${e.signal} ${e.model}, n = ${e.n}</small></div>`)}
        ${d.falseNegativeRates.map((f) => html`<div class="card"><span>${pct(f.rate)}</span> est. false-negative rate<br /><small>${f.signal} ${f.model}</small></div>`)}
        ${d.shadow.map((s) => html`<div class="card"><span>${s.agreement === null ? '–' : pct(s.agreement)}</span> ${s.role} agrees with primary<br /><small>${s.topic}, ${s.pins} pins</small></div>`)}
        ${precision.length === 0 ? html`<div class="card">No verdicts yet: precision appears after the first review.</div>` : nothing}
      </div>
      <div class="charts">
        <figure>
          <figcaption>Decisions over time (per ${d.bucketMs / 60000} min)</figcaption>
          <canvas id="chart-decisions"></canvas>
        </figure>
        <figure>
          <figcaption>Precision by model@version and decision</figcaption>
          <canvas id="chart-precision"></canvas>
        </figure>
        <figure>
          <figcaption>UNSCORED reasons</figcaption>
          <canvas id="chart-unscored"></canvas>
        </figure>
        <figure>
          <figcaption>Top flagged link domains</figcaption>
          <canvas id="chart-domains"></canvas>
        </figure>
      </div>
    </section>`;
  }

  /** Called after every render of the overview: (re)creates the charts on their canvases. */
  drawCharts(): void {
    const d = this.data;
    if (!d) return;
    for (const chart of this.charts) chart.destroy();
    this.charts = [];
    const canvas = (id: string) => document.getElementById(id) as HTMLCanvasElement | null;
    const buckets = [...new Set(d.decisions.map((b) => b.bucketStart))].sort((a, b) => a - b);
    const series = [...new Set(d.decisions.map((b) => `${b.signal} ${b.model} ${b.decision}`))].sort();
    const c1 = canvas('chart-decisions');
    if (c1)
      this.charts.push(
        new Chart(c1, {
          type: 'line',
          data: {
            labels: buckets.map((b) => new Date(b).toISOString().slice(11, 16)),
            datasets: series.map((name, i) => {
              const decision = name.split(' ')[2]!;
              return {
                label: name,
                data: buckets.map((b) =>
                  d.decisions
                    .filter((x) => x.bucketStart === b && `${x.signal} ${x.model} ${x.decision}` === name)
                    .reduce((n, x) => n + x.count, 0),
                ),
                borderColor: name.startsWith('image') ? COLORS[decision] : PALETTE[i % PALETTE.length],
                borderDash: name.startsWith('text') ? [6, 3] : [],
                tension: 0.2,
              };
            }),
          },
          options: { maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
        }),
      );
    const precision = d.estimates.filter((e) => e.decision !== 'ALLOW');
    const c2 = canvas('chart-precision');
    if (c2)
      this.charts.push(
        new Chart(c2, {
          type: 'bar',
          data: {
            labels: precision.map((e) => `${e.model} ${e.decision}`),
            datasets: [
              {
                label: 'precision',
                data: precision.map((e) => e.violatingRate),
                backgroundColor: precision.map((e) => COLORS[e.decision] ?? '#888'),
              },
            ],
          },
          options: {
            maintainAspectRatio: false,
            scales: { y: { min: 0, max: 1 } },
            plugins: { legend: { display: false } },
          },
        }),
      );
    const c3 = canvas('chart-unscored');
    if (c3)
      this.charts.push(
        new Chart(c3, {
          type: 'bar',
          data: {
            labels: d.unscored.map((u) => `${u.signal} ${u.reason}`),
            datasets: [
              { label: 'signals', data: d.unscored.map((u) => u.count), backgroundColor: COLORS.UNSCORED },
            ],
          },
          options: { maintainAspectRatio: false, indexAxis: 'y', plugins: { legend: { display: false } } },
        }),
      );
    const c4 = canvas('chart-domains');
    if (c4)
      this.charts.push(
        new Chart(c4, {
          type: 'bar',
          data: {
            labels: d.domains.map((x) => x.domain),
            datasets: [
              { label: 'flagged pins', data: d.domains.map((x) => x.count), backgroundColor: COLORS.REVIEW },
            ],
          },
          options: { maintainAspectRatio: false, indexAxis: 'y', plugins: { legend: { display: false } } },
        }),
      );
  }
}
