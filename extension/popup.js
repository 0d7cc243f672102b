// The popup: the checklist of the active tab's flow (checklist.js), and a button that opens
// the side panel, which stays open beside the page while the user signs in (the popup closes
// at the first click outside it).

import { startChecklist } from './checklist.js';
import { HAS_SIDE_PANEL, ext, openSidePanel } from './browser.js';

const view = document.getElementById('view');
const sidePanelButton = document.getElementById('open-side-panel');
let windowId = null;
let ownTab = null;
ext.windows?.getCurrent().then((w) => { windowId = w?.id ?? null; }, () => {});
ext.tabs.getCurrent().then((tab) => { ownTab = tab?.id ?? null; }, () => {});

sidePanelButton.hidden = !HAS_SIDE_PANEL;
// The browsers open a side panel only while they handle the click: no await before it.
sidePanelButton.addEventListener('click', () => {
  openSidePanel(windowId).then((opened) => {
    // The popup is no longer needed; a popup page opened as a tab (tests) stays.
    if (opened && ownTab === null) window.close();
  });
});

startChecklist({ surface: 'popup' }).catch((error) => {
  view.textContent = `Flowlens could not start: ${error?.message ?? error}`;
  document.body.dataset.ready = 'error';
});
