// The viewer: a full page that opens a HAR, a Flowlens export (.zip) or a trace JSON and shows
// the same checklist and timeline as the popup (rendered by the same Rust view, with the same
// data-check / data-status hooks). Parsing runs in a Web Worker (viewer_worker.js) so that a
// 100 MB file does not freeze the page; the page shows its progress. Nothing leaves the browser.
//
// Hooks: body[data-ready] ("true" once the page can take a file), body[data-loaded]
// ("true" | "error" once a file was opened), #progress[data-phase], #file-info[data-kind].

import init, { renderPopup } from './pkg/flowlens_popup.js';

const view = document.getElementById('view');
const input = document.getElementById('file');
const drop = document.getElementById('drop');
const progressBox = document.getElementById('progress-box');
const progress = document.getElementById('progress');
const progressText = document.getElementById('progress-text');
const info = document.getElementById('file-info');

let shown = null; // { result, selectedFlow }
let worker = null;

const mb = (bytes) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

function show() {
  renderPopup(view, {
    report: shown.result.report,
    screenshots: shown.result.screenshots ?? [],
    pages: shown.result.pages ?? [],
    selected_flow: shown.selectedFlow,
    read_only: true,
  });
}

function open(file) {
  if (!file) return;
  worker?.terminate();
  worker = new Worker(new URL('./viewer_worker.js', import.meta.url), { type: 'module' });
  const started = performance.now();
  delete document.body.dataset.loaded;
  view.textContent = '';
  info.textContent = `Opening ${file.name} (${mb(file.size)})…`;
  info.className = 'muted';
  progressBox.hidden = false;
  progress.value = 0;
  worker.onmessage = ({ data }) => {
    if (data.type === 'progress') {
      // Reading is the first half of the bar, parsing the second.
      const part = data.total > 0 ? data.done / data.total : 1;
      progress.value = data.phase === 'reading' ? part / 2 : 0.5 + part / 2;
      progress.dataset.phase = data.phase;
      progressText.textContent = `${data.phase} ${mb(data.done)} of ${mb(data.total)}`;
      return;
    }
    worker.terminate();
    worker = null;
    progressBox.hidden = true;
    if (data.type === 'error') {
      info.textContent = `${file.name}: ${data.message}`;
      info.className = 'error';
      document.body.dataset.loaded = 'error';
      return;
    }
    shown = { result: data.result, selectedFlow: null };
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    info.textContent = `${file.name} · ${data.result.kind} · ${data.result.report.source.exchanges} requests · read in ${seconds} s`;
    info.dataset.kind = data.result.kind;
    show();
    document.body.dataset.loaded = 'true';
  };
  worker.onerror = (event) => {
    info.textContent = `${file.name}: the parser failed (${event.message ?? 'worker error'})`;
    info.className = 'error';
    progressBox.hidden = true;
    document.body.dataset.loaded = 'error';
  };
  worker.postMessage({ file });
}

async function main() {
  await init({ module_or_path: new URL('./pkg/flowlens_popup_bg.wasm', import.meta.url) });
  input.addEventListener('change', () => open(input.files?.[0]));
  // Anywhere on the page takes a dropped file.
  document.body.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
  document.body.addEventListener('dragleave', () => drop.classList.remove('over'));
  document.body.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    open(event.dataTransfer?.files?.[0]);
  });
  view.addEventListener('change', (event) => {
    if (event.target.id !== 'flow-select' || !shown) return;
    shown.selectedFlow = Number.parseInt(event.target.value, 10);
    show();
  });
  document.body.dataset.ready = 'true';
}

main().catch((error) => {
  info.textContent = `Flowlens could not start: ${error?.message ?? error}`;
  document.body.dataset.ready = 'error';
});
