// Many async calls: 20 loops, each 500 calls of an async function awaiting 3 times, and one
// long call that awaits 2000 times.
const tick = () => new Promise((r) => setImmediate(r));
function work(n) {
  let x = 0;
  for (let i = 0; i < n; i++) x += i;
  return x;
}
async function job(i) {
  work(200);
  await tick();
  work(100);
  await tick();
  work(100);
  await tick();
  return i;
}
async function loop(k) {
  for (let i = 0; i < 500; i++) await job(i);
}
async function long() {
  for (let i = 0; i < 2000; i++) {
    work(50);
    await tick();
  }
}
Promise.all([long(), ...Array.from({ length: 20 }, (_, k) => loop(k))]);
