// The program of issue #17, item 8: spins in synchronous code for argv[2] seconds, never
// returning to its event loop, and notes its own RSS (from /proc/self/statm) every second.
// Writes the notes as JSON ({ seconds: [...], rssBytes: [...] }) to argv[3] before it exits.
'use strict';
const fs = require('node:fs');
const seconds = Number(process.argv[2] ?? 60);
const PAGE = 4096;
const rss = () => Number(fs.readFileSync('/proc/self/statm', 'latin1').split(' ')[1]) * PAGE;
const notes = { seconds: [], rssBytes: [] };
const t0 = Date.now();
let next = 0;
let x = 0;
function spin() {
  for (;;) {
    for (let i = 0; i < 1e5; i++) x = (x + 1) % 1e9;
    const s = (Date.now() - t0) / 1000;
    if (s >= next) {
      notes.seconds.push(s);
      notes.rssBytes.push(rss());
      next++;
    }
    if (s >= seconds) return;
  }
}
spin();
fs.writeFileSync(process.argv[3], JSON.stringify(notes));
