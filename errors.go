package swarmsim

import "github.com/swarmsim/swarmsim/errdefs"

// ErrorKind classifies an error the way the Docker daemon and SwarmKit do
// (see package errdefs).
type ErrorKind = errdefs.Kind

// Error kinds. The names follow gRPC's codes, which SwarmKit's control API
// returns.
const (
	KindInvalidArgument    = errdefs.KindInvalidArgument
	KindNotFound           = errdefs.KindNotFound
	KindAlreadyExists      = errdefs.KindAlreadyExists
	KindFailedPrecondition = errdefs.KindFailedPrecondition
	KindUnknown            = errdefs.KindUnknown
	KindUnimplemented      = errdefs.KindUnimplemented
)

// Error is every error the cluster returns: a kind and Docker's message
// (see errdefs.Error).
type Error = errdefs.Error

// Sentinels for errors.Is.
var (
	ErrInvalidArgument    = errdefs.ErrInvalidArgument
	ErrNotFound           = errdefs.ErrNotFound
	ErrAlreadyExists      = errdefs.ErrAlreadyExists
	ErrFailedPrecondition = errdefs.ErrFailedPrecondition
	ErrUnknown            = errdefs.ErrUnknown
	ErrUnimplemented      = errdefs.ErrUnimplemented
)

func rpcErr(k ErrorKind, format string, args ...any) error {
	return errdefs.RPC(k, format, args...)
}

func daemonErr(k ErrorKind, format string, args ...any) error {
	return errdefs.Daemon(k, format, args...)
}
