/**
 * The review console in the browser: lit-html templates (every interpolation is text, never HTML, so
 * pin texts cannot inject markup), hash routes #/queue, #/overview, #/audit (admins).
 */
import { html, nothing, render } from 'lit';
import * as api from './api.js';
import { AuditView } from './audit-view.js';
import { OverviewView } from './overview-view.js';
import { QueueView } from './queue-view.js';

const root = document.getElementById('app')!;
let user: api.User | null = null;
let message = '';
const queueView = new QueueView(() => draw());
const overviewView = new OverviewView();
const auditView = new AuditView(() => draw());

function route(): 'queue' | 'overview' | 'audit' {
  const hash = location.hash.replace(/^#\//, '');
  return hash === 'overview' || hash === 'audit' ? hash : 'queue';
}

function loginForm() {
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    try {
      user = await api.login(String(form.get('username')), String(form.get('password')));
      message = '';
      await enter();
    } catch (error) {
      message =
        error instanceof api.ApiError && error.code === 'IW_CONSOLE_RATE_LIMITED'
          ? 'Too many attempts: wait a minute.'
          : 'Wrong username or password.';
      draw();
    }
  };
  return html`<form class="login" @submit=${submit}>
    <h1>Integrity review console</h1>
    <label>Username <input name="username" autocomplete="username" required /></label>
    <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
    <button type="submit">Log in</button>
    ${message ? html`<p class="error" role="alert">${message}</p>` : nothing}
  </form>`;
}

function shell() {
  const page = route();
  const tab = (name: string, label: string) =>
    html`<a href="#/${name}" class=${page === name ? 'tab active' : 'tab'}>${label}</a>`;
  const out = async () => {
    await api.logout();
    user = null;
    await api.session();
    draw();
  };
  return html`<header>
      <strong>integrity review</strong>
      <nav>
        ${tab('queue', 'Queue')} ${tab('overview', 'Overview')}
        ${user?.role === 'admin' ? tab('audit', 'Audit log') : nothing}
      </nav>
      <span class="who">${user?.username} (${user?.role})</span>
      <button class="link" @click=${out}>Log out</button>
    </header>
    ${page === 'queue' ? queueView.template() : page === 'overview' ? overviewView.template() : auditView.template()}`;
}

function draw(): void {
  render(user ? shell() : loginForm(), root);
  if (user && route() === 'overview') overviewView.drawCharts();
}

async function enter(): Promise<void> {
  draw();
  const page = route();
  if (page === 'queue') await queueView.load();
  else if (page === 'overview') await overviewView.load();
  else await auditView.load();
  draw();
}

window.addEventListener('hashchange', () => void (user && enter()));
document.addEventListener('keydown', (event) => {
  if (!user || route() !== 'queue') return;
  if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (queueView.key(event.key)) event.preventDefault();
});

user = await api.session();
if (user) await enter();
else draw();
