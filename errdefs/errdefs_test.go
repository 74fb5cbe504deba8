package errdefs

import (
	"errors"
	"fmt"
	"testing"
)

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{
		KindInvalidArgument: "InvalidArgument", KindNotFound: "NotFound",
		KindAlreadyExists: "AlreadyExists", KindFailedPrecondition: "FailedPrecondition",
		KindUnknown: "Unknown", KindUnimplemented: "Unimplemented",
		0: "ErrorKind(0)", 7: "ErrorKind(7)", 255: "ErrorKind(255)",
	} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", uint8(k), got, want)
		}
	}
}

func TestIsMatchesKindWhateverTheMessage(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", RPC(KindNotFound, "service %s not found", "web"))
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("errors.Is(%v, ErrNotFound) = false", err)
	}
	if errors.Is(err, ErrAlreadyExists) {
		t.Errorf("errors.Is(%v, ErrAlreadyExists) = true", err)
	}
	// A sentinel matches only itself-less messages: two errors with text do
	// not match each other.
	if errors.Is(err, Daemon(KindNotFound, "other")) {
		t.Error("an error with a message matched as a sentinel")
	}
	var e *Error
	if !errors.As(err, &e) || !e.RPC || e.Msg != "service web not found" {
		t.Errorf("errors.As = %+v", e)
	}
	if d := Daemon(KindUnknown, "x").(*Error); d.RPC {
		t.Error("Daemon error marked RPC")
	}
}
