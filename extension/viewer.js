// The viewer: a full page that opens a HAR, a Flowlens export (.zip) or a trace JSON and shows
// the same verdict, checks, review and timeline as the popup (the same Rust view, with the
// same data-check / data-status hooks). Parsing runs in a Web Worker (viewer_worker.js) so
// that a 100 MB file does not freeze the page; the page shows its progress. Nothing leaves the
// browser. The page itself needs no wasm until a file is opened: then the files module loads
// (it renders what the worker's copy of it parsed) while the worker parses.
//
// Hooks: body[data-ready] ("true" once the page can take a file), body[data-loaded]
// ("true" | "error" once a file was opened), #progress[data-phase], #file-info[data-kind].

import { checkDocs } from './check-docs.js';
import { wireViewControls } from './view-controls.js';

const view = document.getElementById('view');
const input = document.getElementById('file');
const drop = document.getElementById('drop');
const progressBox = document.getElementById('progress-box');
const progress = document.getElementById('progress');
const progressText = document.getElementById('progress-text');
const info = document.getElementById('file-info');

/** What the view shows beside the report: the viewer's choices. */
const context = {
  read_only: true, selected_flow: null, panel: 'checks', dismissed: [], opened: [],
};
let analysis = null;
let worker = null;

let filesModule = null;
function files() {
  filesModule ??= import('./pkg/flowlens_files.js').then(async (module) => {
    await module.default({ module_or_path: new URL('./pkg/flowlens_files_bg.wasm', import.meta.url) });
    return module;
  });
  return filesModule;
}

const mb = (bytes) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

function show() {
  analysis.setContext(JSON.stringify(context));
  analysis.render(view);
}

function open(file) {
  if (!file) return;
  worker?.terminate();
  worker = new Worker(new URL('./viewer_worker.js', import.meta.url), { type: 'module' });
  const module = files();
  const started = performance.now();
  delete document.body.dataset.loaded;
  analysis?.showNothing();
  view.hidden = true;
  info.textContent = `Opening ${file.name} (${mb(file.size)})…`;
  info.className = 'muted';
  progressBox.hidden = false;
  progress.value = 0;
  const failed = (message) => {
    info.textContent = `${file.name}: ${message}`;
    info.className = 'error';
    progressBox.hidden = true;
    document.body.dataset.loaded = 'error';
  };
  worker.onmessage = async ({ data }) => {
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
    if (data.type === 'error') {
      failed(data.message);
      return;
    }
    try {
      const { Analysis } = await module;
      if (!analysis) {
        analysis = new Analysis();
        analysis.setCheckDocs(await checkDocs());
      }
      analysis.showOpened(data.result.opened);
      context.selected_flow = null;
    } catch (error) {
      failed(`could not be shown (${error?.message ?? error})`);
      return;
    }
    progressBox.hidden = true;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    info.textContent = `${file.name} · ${data.result.kind} · ${data.result.exchanges} requests · read in ${seconds} s`;
    info.dataset.kind = data.result.kind;
    view.hidden = false;
    show();
    document.body.dataset.loaded = 'true';
  };
  worker.onerror = (event) => failed(`the parser failed (${event.message ?? 'worker error'})`);
  worker.postMessage({ file });
}

input.addEventListener('change', () => open(input.files?.[0]));
// Anywhere on the page takes a dropped file.
document.body.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
document.body.addEventListener('dragleave', () => drop.classList.remove('over'));
document.body.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  open(event.dataTransfer?.files?.[0]);
});
wireViewControls(view, {
  panel: () => context.panel,
  showPanel(panel) {
    context.panel = panel;
    show();
  },
  selectFlow(index) {
    context.selected_flow = index;
    show();
  },
  dismiss(id) {
    context.dismissed.push(id);
    show();
  },
  open(id) {
    if (context.opened.includes(id)) return;
    context.opened.push(id);
    show();
  },
});
document.body.dataset.ready = 'true';
