//go:build race

package traffic

// raceEnabled reports a build with the race detector, whose instrumentation
// allocates on its own: allocation totals are not the code's.
const raceEnabled = true
