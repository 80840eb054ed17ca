//go:build race

package conformance

// raceDetector is true in a build with the race detector, where the
// reliability suites run fewer cases: the race pass is after data races,
// and the plain pass of make test runs the full short form.
const raceDetector = true
