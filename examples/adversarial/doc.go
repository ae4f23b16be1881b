// Package adversarial holds, one package each, the adversarial NFs of the
// Maestro soundness suite (issue 11) that the analysis must parallelize,
// shared-nothing or with locks. Each is ordinary Go an NF author might write,
// with one pattern designed to break an analysis that is not closed-world;
// its header comment says what it tests and which outcomes are sound, and
// analyzers/stateaccess/adversarial_test.go asserts the outcome. Each has
// its generated parallel NF checked in and a differential test on traffic
// that exercises the pattern. The adversarial NFs that must be refused live
// under analyzers/stateaccess/testdata/adversarial.
package adversarial
