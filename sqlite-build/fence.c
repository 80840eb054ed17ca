// fence.c: ss_fence, the full memory barrier of xShmBarrier (vfs.c), made
// in the guest instead of by a call out to the host: an atomic
// read-modify-write of a word of the instance's own, which wazero compiles
// to a locked instruction (lock xadd; ldaddal), a full barrier for the
// guest's accesses to the WAL index before and after it. (atomic.fence
// would say it directly, but wasm-opt drops fences from a module whose
// memory is not shared.)
//
// It is compiled on its own with -matomics: in main.c the same flag would
// also turn SQLite's __atomic loads and stores into atomic instructions, so
// this is the module's one instruction of the threads proposal
// (wasm/ABI.md).
static int ss_fence_word;

void ss_fence(void) { __atomic_fetch_add(&ss_fence_word, 1, __ATOMIC_SEQ_CST); }
