// esl-watch.js: watches `ctk sim acd` through the npm package modesl (a FreeSWITCH Event Socket
// client nobody here wrote) and prints what it saw as JSON lines on stdout:
//   {"kind":"ready"}                 authenticated and subscribed, calls may start
//   {"kind":"event","event":{...}}   every channel or callcenter::info event, all its headers
//   {"kind":"done",...}              after N CHANNEL_HANGUP_COMPLETE, the queue's member count
// usage: node esl-watch.js PORT PASSWORD FORMAT(plain|json) HANGUPS TIMEOUT_MS
'use strict';
const esl = require('modesl');

const [port, password, format, hangupsWanted, timeoutMs] = process.argv.slice(2);
const want = parseInt(hangupsWanted, 10);
let hangups = 0;
let finishing = false;

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function headers(evt) {
  const h = {};
  evt.headers.forEach((x) => { h[x.name] = x.value; });
  return h;
}

const timer = setTimeout(() => {
  out({ kind: 'timeout', hangups: hangups });
  process.exit(2);
}, parseInt(timeoutMs, 10));

const conn = new esl.Connection('127.0.0.1', parseInt(port, 10), password, () => {
  conn.events(format, 'CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE CUSTOM callcenter::info',
    (reply) => {
      const ok = reply.getHeader('Modesl-Reply-OK');
      conn.api('callcenter_config queue list agents 12328@default', (res) => {
        out({ kind: 'ready', subscribed: ok || null, agents: res.getBody() });
      });
    });
});

conn.on('esl::event::auth::fail', () => {
  out({ kind: 'auth-failed' });
  process.exit(4);
});

conn.on('esl::event::**', (evt) => {
  const name = evt.getHeader('Event-Name');
  if (!name || evt.getHeader('Content-Type') === 'command/reply')
    return;
  const h = headers(evt);
  if (h['Content-Type'] === 'api/response' || h['Content-Type'] === 'command/reply')
    return;
  out({ kind: 'event', event: h });
  if (name === 'CHANNEL_HANGUP_COMPLETE') {
    hangups++;
    if (hangups >= want && !finishing) {
      finishing = true;
      conn.api('callcenter_config queue count members 12328@default', (res) => {
        out({ kind: 'done', hangups: hangups, members: res.getBody() });
        clearTimeout(timer);
        conn.disconnect();
        setTimeout(() => process.exit(0), 50);
      });
    }
  }
});

conn.on('esl::end', () => {
  if (!finishing) {
    out({ kind: 'closed', hangups: hangups });
    process.exit(3);
  }
});
conn.on('error', (e) => {
  out({ kind: 'error', error: String(e) });
  process.exit(5);
});
