package maestro

// PrefetchBurst is the largest batch of keys Table.PrefetchKeys and
// Map.PrefetchKeys put in flight at once; they split longer slices. It is a
// receive burst, 32 packets: enough misses to fill the CPU's miss buffers
// (10 to 20 lines on current x86 cores), few enough that the lines are
// still cached when the burst's packets run.
const PrefetchBurst = 32
