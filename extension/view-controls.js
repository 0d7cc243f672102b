// The controls inside the Rust-rendered view, wired the same in the popup, the side panel and
// the viewer: the Checks / Review tabs (click, arrow keys, Home, End: the ARIA tabs pattern),
// the flow selector, the notices' dismiss buttons, and the checks a person opens (Rust writes
// a folded check's evidence, or a manual item's guidance and note, once it is first opened).
// Each page says what a choice does.

const PANELS = ['checks', 'review'];

/**
 * `on`: { panel() → 'checks'|'review', showPanel(panel), selectFlow(index), dismiss(noticeId),
 * open(checkId) }.
 */
export function wireViewControls(view, on) {
  // `toggle` does not bubble: listened to while it goes down.
  view.addEventListener('toggle', (event) => {
    const opens = event.target.dataset?.opens;
    if (event.target.open && opens) on.open(opens);
  }, true);
  view.addEventListener('click', (event) => {
    const button = event.target.closest('button');
    if (!button) return;
    if (button.getAttribute('role') === 'tab') {
      const panel = button.id.replace(/^tab-/, '');
      if (PANELS.includes(panel) && panel !== on.panel()) on.showPanel(panel, false);
    } else if (button.dataset.dismiss) {
      on.dismiss(button.dataset.dismiss);
      // The button is gone: focus goes to the next one, or to the selected tab.
      view.querySelector('.notice-dismiss, [role="tab"][aria-selected="true"]')?.focus();
    }
  });
  view.addEventListener('keydown', (event) => {
    if (event.target.getAttribute?.('role') !== 'tab') return;
    const at = PANELS.indexOf(on.panel());
    const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: PANELS.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const panel = PANELS[(next + PANELS.length) % PANELS.length];
    if (panel !== on.panel()) on.showPanel(panel, true);
    view.querySelector(`#tab-${panel}`)?.focus();
  });
  view.addEventListener('change', (event) => {
    if (event.target.id === 'flow-select') on.selectFlow(Number.parseInt(event.target.value, 10));
  });
}
