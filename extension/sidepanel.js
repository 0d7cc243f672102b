// The side panel (Chrome's side_panel, Firefox's sidebar_action): the popup's checklist, kept
// open beside the page and following it: the tab the user looks at, the recording as it
// grows (the timeline hop by hop, the checks as their evidence comes in). Updates change the
// page in place (see checklist.js and the Rust mount), so a note being typed, an open group
// and the scroll position stay.

import { startChecklist } from './checklist.js';

startChecklist({ surface: 'sidepanel' }).catch((error) => {
  document.getElementById('view').textContent = `Flowlens could not start: ${error?.message ?? error}`;
  document.body.dataset.ready = 'error';
});
