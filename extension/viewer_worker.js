// The viewer's parser, a dedicated module worker: the page stays responsive while a large
// HAR (100 MB+) is read and analysed. It receives {file} (a File, cloned without copying the
// bytes), reads it in slices into the Rust FileLoader (files module), which parses and
// analyses it. Messages to the page:
//   {type: 'progress', phase: 'reading'|'parsing', done, total}   (bytes)
//   {type: 'done', result: {kind, exchanges, opened}}   (`opened`: JSON for Analysis.showOpened)
//   {type: 'error', message}

import init, { FileLoader } from './pkg/flowlens_files.js';

const ready = init({ module_or_path: new URL('./pkg/flowlens_files_bg.wasm', import.meta.url) });
const SLICE = 8 * 1024 * 1024;

self.onmessage = async ({ data }) => {
  const { file } = data ?? {};
  try {
    if (!(file instanceof Blob)) throw new TypeError('no file given');
    await ready;
    const loader = new FileLoader(file.name ?? '', file.size);
    for (let at = 0; at < file.size; at += SLICE) {
      loader.push(new Uint8Array(await file.slice(at, at + SLICE).arrayBuffer()));
      self.postMessage({ type: 'progress', phase: 'reading', done: Math.min(at + SLICE, file.size), total: file.size });
    }
    // The viewer analyses without a profile, like `flowlens check` without --profile.
    const result = loader.finish(null, (done, total) => {
      self.postMessage({ type: 'progress', phase: 'parsing', done, total });
    });
    self.postMessage({ type: 'done', result });
  } catch (error) {
    self.postMessage({ type: 'error', message: String(error?.message ?? error) });
  }
};
