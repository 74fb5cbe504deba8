package swarmsim

import "fmt"

// ErrorKind classifies an error the way the Docker daemon and SwarmKit do, so
// that callers can branch on it with errors.Is and the CLI can print the
// matching wrapper.
type ErrorKind uint8

// Error kinds. The names follow gRPC's codes, which SwarmKit's control API
// returns.
const (
	KindInvalidArgument ErrorKind = iota + 1
	KindNotFound
	KindAlreadyExists
	KindFailedPrecondition
	KindUnknown
	KindUnimplemented
)

func (k ErrorKind) String() string {
	switch k {
	case KindInvalidArgument:
		return "InvalidArgument"
	case KindNotFound:
		return "NotFound"
	case KindAlreadyExists:
		return "AlreadyExists"
	case KindFailedPrecondition:
		return "FailedPrecondition"
	case KindUnknown:
		return "Unknown"
	case KindUnimplemented:
		return "Unimplemented"
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
	Kind ErrorKind
	Msg  string
	RPC  bool
}

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

func rpcErr(k ErrorKind, format string, args ...any) error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...), RPC: true}
}

func daemonErr(k ErrorKind, format string, args ...any) error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}
