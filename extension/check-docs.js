// The rules' documentation ("Why it matters", "How to fix") that a check shows when opened:
// a JSON file `cargo xtask build` writes from the core (render::view::check_docs), loaded
// after the first paint so that the first-paint wasm does not carry every rule's text. Rust
// reads it as it is (Analysis.setCheckDocs); null when it could not be read (the checks then
// show their evidence without it).

let loading = null;

export function checkDocs() {
  loading ??= fetch(new URL('./pkg/check-docs.json', import.meta.url))
    .then((response) => (response.ok ? response.text() : null))
    .catch(() => null);
  return loading;
}
