// Package proptest is an example of a user's own property-based test of a
// rollout policy, written with swarmsimtest: see proptest_test.go.
package proptest
