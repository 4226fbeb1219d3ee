/**
 * The review queue: filters, the list, and the selected item with its image (every image is blurred
 * until the reviewer reveals it, whatever the signal: reviewer wellness), text, scores, versions and the rule that decided. Opening an item claims
 * it. Keys: j/k next/previous, r reveal, v violates, n does not violate, u release.
 */
import { html, nothing } from 'lit';
import * as api from './api.js';

const FILTERS = ['queue', 'signal', 'model', 'reason', 'domain', 'sort'] as const;

export class QueueView {
  private items: api.QueueItem[] = [];
  private selected: api.QueueItem | undefined;
  private filters: Record<string, string> = {};
  private revealed = new Set<string>();
  private images = new Map<string, string>();
  private status = '';

  constructor(private readonly redraw: () => void) {}

  async load(): Promise<void> {
    this.items = (await api.queue(this.filters)).items;
    if (!this.selected || !this.items.some((i) => i.itemId === this.selected!.itemId)) {
      this.selected = undefined;
      if (this.items[0]) await this.open(this.items[0]);
    }
  }

  private async open(item: api.QueueItem): Promise<void> {
    try {
      this.selected = await api.claim(item.itemId);
      this.status = '';
    } catch (error) {
      this.selected = item;
      this.status =
        error instanceof api.ApiError && error.code === 'IW_CONSOLE_CLAIMED'
          ? 'Another reviewer has this item.'
          : String(error);
    }
    if (this.selected.pin.hasImage && !this.images.has(item.itemId)) {
      api.imageUrl(item.itemId).then(
        (url) => (this.images.set(item.itemId, url), this.redraw()),
        () => (this.images.set(item.itemId, ''), this.redraw()),
      );
    }
    this.redraw();
  }

  private async reveal(): Promise<void> {
    if (!this.selected) return;
    this.revealed.add(this.selected.itemId);
    this.redraw();
    await api.reveal(this.selected.itemId);
  }

  private async decide(verdict: 'VIOLATES' | 'NOT_VIOLATING'): Promise<void> {
    const item = this.selected;
    if (!item) return;
    try {
      await api.decide(item.itemId, verdict);
      const index = this.items.findIndex((i) => i.itemId === item.itemId);
      this.items.splice(index, 1);
      this.selected = undefined;
      const next = this.items[Math.min(index, this.items.length - 1)];
      if (next) await this.open(next);
      this.status = `Saved: ${item.signal} ${verdict === 'VIOLATES' ? 'violates' : 'does not violate'}.`;
    } catch (error) {
      this.status = error instanceof api.ApiError ? `Not saved: ${error.code}` : String(error);
    }
    this.redraw();
  }

  private move(step: number): void {
    const index = this.items.findIndex((i) => i.itemId === this.selected?.itemId);
    const next = this.items[Math.max(0, Math.min(this.items.length - 1, index + step))];
    if (next && next !== this.selected) void this.open(next);
  }

  /** Keyboard shortcuts; true when the key was ours. */
  key(key: string): boolean {
    const actions: Record<string, () => void> = {
      j: () => this.move(1),
      k: () => this.move(-1),
      r: () => void this.reveal(),
      v: () => void this.decide('VIOLATES'),
      n: () => void this.decide('NOT_VIOLATING'),
      u: () => void (this.selected && api.release(this.selected.itemId)),
    };
    const action = actions[key];
    action?.();
    return action !== undefined;
  }

  template() {
    const change = (event: Event) => {
      const form = new FormData((event.currentTarget as HTMLElement).closest('form')!);
      this.filters = Object.fromEntries(FILTERS.map((f) => [f, String(form.get(f) ?? '')]));
      void this.load().then(() => this.redraw());
    };
    return html`<section class="queue">
      <form class="filters" @change=${change} @submit=${(e: Event) => (e.preventDefault(), change(e))}>
        <select name="queue" aria-label="queue">
          <option value="">all queues</option>
          <option value="review">review</option>
          <option value="audit">audit sample</option>
        </select>
        <select name="signal" aria-label="signal">
          <option value="">all signals</option>
          <option>image.safety</option>
          <option>text.spam</option>
        </select>
        <input name="model" placeholder="model@version" aria-label="model" />
        <input name="reason" placeholder="reason (class or code)" aria-label="reason" />
        <input name="domain" placeholder="link domain" aria-label="domain" />
        <select name="sort" aria-label="sort">
          <option value="oldest">oldest first</option>
          <option value="score">highest score</option>
        </select>
      </form>
      <div class="split">
        <ol class="items" aria-label="queue items">
          ${this.items.map(
            (item) =>
              html`<li
                class=${item.itemId === this.selected?.itemId ? 'selected' : ''}
                @click=${() => void this.open(item)}
              >
                <span class="badge ${item.queue}">${item.queue}</span>
                <span class="sig">${item.signal}</span>
                <span class="title">${item.pin.title ?? '(no title)'}</span>
                <span class="score">${item.topScore.toFixed(2)}</span>
              </li>`,
          )}
          ${this.items.length === 0 ? html`<li class="empty">Nothing to review.</li>` : nothing}
        </ol>
        ${this.selected ? this.detail(this.selected) : html`<div class="detail empty">Select an item.</div>`}
      </div>
      <p class="status" role="status">${this.status}</p>
      <p class="keys">
        Keys: <kbd>j</kbd>/<kbd>k</kbd> next/previous · <kbd>r</kbd> reveal · <kbd>v</kbd> violates ·
        <kbd>n</kbd> does not violate · <kbd>u</kbd> release
      </p>
    </section>`;
  }

  private detail(item: api.QueueItem) {
    const blurred = !this.revealed.has(item.itemId);
    const image = this.images.get(item.itemId);
    return html`<article class="detail" data-item=${item.itemId}>
      ${
        item.pin.hasImage
          ? html`<figure class=${blurred ? 'image blurred' : 'image'}>
              ${image ? html`<img src=${image} alt="pin image" />` : html`<div class="noimage">${image === '' ? 'image unavailable' : 'loading…'}</div>`}
              ${blurred ? html`<button class="reveal" @click=${() => void this.reveal()}>Reveal (r)</button>` : nothing}
            </figure>`
          : nothing
      }
      <h2 class="pin-title">${item.pin.title ?? '(no title)'}</h2>
      <p class="pin-description">${item.pin.description ?? ''}</p>
      ${item.pin.link ? html`<p class="pin-link">link: <code>${item.pin.link}</code></p>` : nothing}
      <dl>
        <dt>signal</dt>
        <dd>${item.signal}</dd>
        <dt>decision</dt>
        <dd>
          ${item.decision}
          (${item.queue}${item.queue === 'audit' ? `, p = ${item.inclusionProbability}` : ''})
        </dd>
        <dt>model</dt>
        <dd>${item.model}</dd>
        <dt>policy</dt>
        <dd>${item.policyVersion}</dd>
        <dt>rule</dt>
        <dd>${item.rule ?? item.reason ?? 'no rule fired'}</dd>
        <dt>scores</dt>
        <dd>
          ${Object.entries(item.scores)
            .sort((a, b) => b[1] - a[1])
            .map(([k, v]) => html`<span class="chip">${k} ${v.toFixed(3)}</span>`)}
        </dd>
        <dt>claim</dt>
        <dd>${item.claimedBy ?? 'none'}</dd>
      </dl>
      <div class="verdicts">
        <button class="violates" @click=${() => void this.decide('VIOLATES')}>
          ${item.signal}: violates (v)
        </button>
        <button class="ok" @click=${() => void this.decide('NOT_VIOLATING')}>
          ${item.signal}: does not violate (n)
        </button>
      </div>
    </article>`;
  }
}
