// A build script, so that cargo resolves the `[build-dependencies]` hakari generates (the
// features of proc-macro dependencies such as syn are unified through them).
fn main() {}
