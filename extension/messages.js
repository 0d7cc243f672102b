// Messages between the extension's parts: a discriminated union on `type`, each kind with a
// guard that checks the shape, not just the tag (a message can come from any page's content
// script of this extension, and a malformed one must be ignored, not half-processed).
//
//   PageSnapshotMessage  content script -> worker   {type: 'page-snapshot', snapshot: {url, ...}}
//   CommandMessage       popup -> worker            {type: 'command', command: 'record'|'stop'|'clear', tab}
//   CommandReply         worker -> popup            {ok: true} | {ok: false, error}
//
// content.js is a classic script (injected with scripting.executeScript) and cannot import
// this module; it builds its message by hand with the same `type`.

export const PAGE_SNAPSHOT = 'page-snapshot';
export const COMMAND = 'command';
export const COMMANDS = Object.freeze(['record', 'stop', 'clear']);

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
const isTabId = (value) => Number.isInteger(value) && value >= 0;

/** @returns {message is {type: 'page-snapshot', snapshot: object}} */
export function isPageSnapshotMessage(message) {
  return isObject(message)
    && message.type === PAGE_SNAPSHOT
    && isObject(message.snapshot)
    && typeof message.snapshot.url === 'string'
    && (message.snapshot.title === undefined || message.snapshot.title === null
      || typeof message.snapshot.title === 'string')
    && Array.isArray(message.snapshot.buttons ?? [])
    && Array.isArray(message.snapshot.hidden_fields ?? []);
}

/** @returns {message is {type: 'command', command: 'record'|'stop'|'clear', tab: number}} */
export function isCommandMessage(message) {
  return isObject(message)
    && message.type === COMMAND
    && COMMANDS.includes(message.command)
    && isTabId(message.tab);
}

export function commandMessage(command, tab) {
  const message = { type: COMMAND, command, tab };
  if (!isCommandMessage(message)) throw new TypeError(`not a command: ${JSON.stringify(message)}`);
  return message;
}

/** @returns {reply is {ok: boolean, error?: string}} */
export function isCommandReply(reply) {
  return isObject(reply) && typeof reply.ok === 'boolean'
    && (reply.error === undefined || typeof reply.error === 'string');
}
