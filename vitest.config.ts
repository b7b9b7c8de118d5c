import { defineConfig } from 'vitest/config';

// Test files run one at a time; NK_TEST_WORKERS=2 runs two at a time. Each kernel file
// has its own sandbox (network, mount and UTS namespaces; its own tmpfs on /run/netns,
// /etc/netns, /run/netkeeper and /run/lock; iptables is nf_tables, per namespace), so
// two files share no kernel state, locks or ports. Much of a kernel file's time is
// waiting (blocked connections running out their timeout, timers, servers starting),
// which the other file can use. One at a time stays the default until two at a time
// has been shown clean over full runs on a 2-core CI machine.
const workers = Number(process.env.NK_TEST_WORKERS ?? 1);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // a kernel test of several CLI passes takes 10-30 s on 2 quiet cores; on a loaded
    // machine (or two files at once) one took over 60 s (trust-cli's --host test, 60.1 s
    // at load 17): the limit only catches hangs, so it leaves room for that
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: workers > 1,
    maxWorkers: workers,
  },
});
