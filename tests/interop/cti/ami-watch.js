// ami-watch.js: watches `ctk sim acd` through the npm package asterisk-manager (a client nobody
// here wrote) and prints what it saw as JSON lines on stdout, for tests/test_cti_interop.c:
//   {"kind":"ready"}                 logged in (QueueSummary answered), calls may start
//   {"kind":"event","event":{...}}   every manager event, as the client parsed it
//   {"kind":"done","hangups":N}      after N Hangup events, a last QueueSummary and Logoff
// usage: node ami-watch.js PORT USER SECRET HANGUPS TIMEOUT_MS
'use strict';
const AsteriskManager = require('asterisk-manager');

const [port, user, secret, hangupsWanted, timeoutMs] = process.argv.slice(2);
const want = parseInt(hangupsWanted, 10);
let hangups = 0;
let finishing = false;

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

const timer = setTimeout(() => {
  out({ kind: 'timeout', hangups: hangups });
  process.exit(2);
}, parseInt(timeoutMs, 10));

const ami = new AsteriskManager(parseInt(port, 10), '127.0.0.1', user, secret, true);

ami.on('managerevent', (ev) => {
  out({ kind: 'event', event: ev });
  if (ev.event === 'Hangup') {
    hangups++;
    if (hangups >= want && !finishing) {
      finishing = true;
      // the queue must be empty and every agent back once the last call is over
      ami.action({ action: 'QueueSummary', queue: '12328' }, (err, res) => {
        out({ kind: 'summary-response', error: err ? String(err.message || err.response) : null,
              response: res });
        ami.action({ action: 'Logoff' }, (err2, res2) => {
          out({ kind: 'done', hangups: hangups, logoff: res2 ? res2.response : null });
          clearTimeout(timer);
          ami.disconnect();
          setTimeout(() => process.exit(0), 50);
        });
      });
    }
  }
});

ami.on('close', () => {
  if (!finishing) {
    out({ kind: 'closed', hangups: hangups });
    process.exit(3);
  }
});

// actions wait in the client until the login succeeded; a failed login closes the link
ami.action({ action: 'Ping' }, (err, res) => {
  out({ kind: 'ping', ok: !err && res && res.ping === 'Pong' });
  ami.action({ action: 'QueueSummary' }, (err2) => {
    out({ kind: 'ready', error: err2 ? String(err2.message) : null });
  });
});
