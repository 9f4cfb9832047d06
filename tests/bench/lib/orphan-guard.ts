/**
 * Imported first into every process the bench starts (`--import`): when the bench goes away, even killed
 * outright, its IPC channel closes and the child stops itself instead of lingering.
 */
if (process.connected) {
  process.on('disconnect', () => {
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => process.exit(1), 5000).unref();
  });
}
