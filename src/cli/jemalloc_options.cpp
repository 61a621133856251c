// jemalloc's options, compiled in (it reads this symbol at start-up; MALLOC_CONF in the
// environment still adds to or overrides them). See src/cli/CMakeLists.txt for why
// jemalloc.
//
// - narenas:2 instead of four per CPU: each of the connector's threads (reader, pipeline,
//   sink, the store's committer, read-ahead) otherwise gets an arena of its own, each
//   keeping its own freed pages.
// - dirty_decay_ms:1000 instead of 10000: freed pages go back to the system after about a
//   second rather than ten, so a burst (a full sink, a big commit) does not stay resident.
//
// Measured on the 2M-change MySQL stream (docs/benchmarks.md, 2026-12-03 night): peak
// memory 97-113 MiB over six runs, against 107-155 MiB over fifteen with the defaults,
// at the same speed.
extern "C" {
// The declaration jemalloc's header gives; the name is jemalloc's.
const char* malloc_conf = "narenas:2,dirty_decay_ms:1000";
}
