// Preloaded into the watcher by bench/watch.mjs (node -r): on SIGUSR2, run a full GC
// and print the heap that is still live, so growth of live objects (a leak) can be
// told from V8 and malloc merely sizing their arenas (RSS).
process.on('SIGUSR2', () => {
  global.gc?.();
  const m = process.memoryUsage();
  process.stderr.write(JSON.stringify({ memprobe: true, heapUsedMb: m.heapUsed / 1048576, rssMb: m.rss / 1048576 }) + '\n');
});
