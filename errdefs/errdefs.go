// Package errdefs holds the one error type every swarmsim package returns: a
// kind that classifies it as SwarmKit's gRPC codes do, and Docker's own
// message. The root package re-exports it as swarmsim.Error, so callers
// branch on errors.Is(err, swarmsim.ErrNotFound) whichever package made it.
//
// The name follows moby's errdefs package, which classifies the daemon's
// errors the same way (moby: errdefs/defs.go).
package errdefs

import "fmt"

// Kind classifies an error the way the Docker daemon and SwarmKit do, so
// that callers can branch on it with errors.Is and the CLI can print the
// matching wrapper.
type Kind uint8

// Error kinds. The names follow gRPC's codes, which SwarmKit's control API
// returns.
const (
	KindInvalidArgument Kind = iota + 1
	KindNotFound
	KindAlreadyExists
	KindFailedPrecondition
	KindUnknown
	KindUnimplemented
)

var kindNames = [...]string{
	KindInvalidArgument:    "InvalidArgument",
	KindNotFound:           "NotFound",
	KindAlreadyExists:      "AlreadyExists",
	KindFailedPrecondition: "FailedPrecondition",
	KindUnknown:            "Unknown",
	KindUnimplemented:      "Unimplemented",
}

// String is the gRPC code's name ("NotFound"), or "ErrorKind(N)" for a
// value that is no kind.
func (k Kind) String() string {
	if k != 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("ErrorKind(%d)", uint8(k))
}

// Error is every error the cluster returns: a kind and Docker's message.
//
// RPC is true when the real daemon passes the message on from SwarmKit's gRPC
// control API, so that `docker` prints it as
// "Error response from daemon: rpc error: code = <Kind> desc = <Msg>";
// false when the daemon itself produced it ("Error response from daemon: <Msg>").
type Error struct {
	Kind Kind
	Msg  string
	RPC  bool
}

// Error is the message alone, as Docker's API returns it.
func (e *Error) Error() string { return e.Msg }

// Is matches any *Error of the same kind, so errors.Is(err, ErrNotFound)
// works whatever the message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Msg == "" && t.Kind == e.Kind
}

// Sentinels for errors.Is.
var (
	ErrInvalidArgument    error = &Error{Kind: KindInvalidArgument}
	ErrNotFound           error = &Error{Kind: KindNotFound}
	ErrAlreadyExists      error = &Error{Kind: KindAlreadyExists}
	ErrFailedPrecondition error = &Error{Kind: KindFailedPrecondition}
	ErrUnknown            error = &Error{Kind: KindUnknown}
	ErrUnimplemented      error = &Error{Kind: KindUnimplemented}
)

// RPC is an error SwarmKit's control API returns, which the daemon passes on
// with its gRPC code.
func RPC(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...), RPC: true}
}

// Daemon is an error the Docker daemon produces itself.
func Daemon(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}
