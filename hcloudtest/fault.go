package hcloudtest

import (
	"strconv"
	"time"
)

// ResetMode says when a fault drops the connection.
type ResetMode int

const (
	// NoReset leaves the connection alone.
	NoReset ResetMode = 0
	// ResetBeforeHeaders drops the connection, with a TCP reset, without writing
	// anything. The request does not take effect on the fake's state.
	ResetBeforeHeaders ResetMode = 1
	// ResetMidBody serves the request, sends the status line and headers with the
	// Content-Length of the whole body, sends the first half of the body and closes the
	// connection: the client reads the headers and then hits an unexpected EOF. A
	// reply without a body is declared one byte long so that the cut shows.
	ResetMidBody ResetMode = 2
)

// String returns the constant's name, e.g. "ResetMidBody", or "ResetMode(7)" for a
// value that is none of them.
func (m ResetMode) String() string {
	switch m {
	case NoReset:
		return "NoReset"
	case ResetBeforeHeaders:
		return "ResetBeforeHeaders"
	case ResetMidBody:
		return "ResetMidBody"
	}
	return "ResetMode(" + strconv.Itoa(int(m)) + ")"
}

// MinOversize is the smallest Fault.Oversize, in bytes: the length of {"pad":""}.
const MinOversize int64 = 10

// Fault describes a misbehaviour a fake shows on matching requests. A fake's
// InjectFault method adds it after the faults already injected; it acts on requests
// that passed authentication and the project check (a request refused there is never
// faulted). Each such request is offered to the active faults in injection order, and
// the first that matches its route (and, with a Probability, draws it) acts.
//
// A fault has exactly one action: Status, Reset, Truncate, Malformed, ContentType,
// Oversize, OverDeclared, Redirect or BreakAt. Delay may come alone, then the request
// proceeds normally after it, or with any action. Faults whose action serves the
// request (ResetMidBody, Truncate, ContentType, OverDeclared, BreakAt) let it take
// effect on the fake's state, as a reply lost on the way back does; the others answer
// without serving it. Faults that cut or rewrite the reply's body (ResetMidBody,
// Truncate, OverDeclared) hold that whole body in memory; without them a fake streams
// its replies.
//
// InjectFault returns an error, and injects nothing, when the fault is invalid: a Route
// that is not one of the fake's Route constants, a negative Times or Delay, a
// Probability outside 0..1, no action and no Delay, several actions, a Status outside
// 200..599, Code, Message or RetryAfter without Status, a Reset that is not a
// ResetMode constant, an Oversize below MinOversize, or BreakAt offsets that are not
// positive and ascending. Reporting it to the test, rather than answering requests with
// an error, keeps a typo from passing a test that expects failures.
//
// A note on clients built on net/http: its Transport silently resends a GET or HEAD
// once, on a new connection, when a kept-alive connection it reused breaks before the
// response starts. A ResetBeforeHeaders fault with Times 1 can thus go unseen by the
// caller (the fake's Requests counts both attempts, Hits only the first); Times 2 makes
// sure the caller sees the reset.
type Fault struct {
	// Route is the route the fault applies to, one of the fake's Route constants (e.g.
	// csstest.RouteListLogBackups), or "" for every route.
	Route string
	// Times is how many matching requests the fault acts on before it is spent; 0
	// means every matching request until it is removed.
	Times int
	// Probability, when not 0, is the fraction (0 to 1) of matching requests the
	// fault acts on, drawn with math/rand/v2; a request it passes over is offered to
	// the faults injected after it. 0 means every matching request.
	Probability float64
	// Delay waits this long, in real time even when the fake has a manual clock,
	// before the action (or before serving the request when there is no action). The
	// wait ends early, without an answer, when the client goes away or the fake is
	// closed.
	Delay time.Duration

	// Status answers this status (200 to 599) with the body
	// {"error_code":Code,"error_msg":Message}.
	Status int
	// Code is the error code of a Status fault; "" means CodeFault.
	Code string
	// Message is the error message of a Status fault; "" means the status text.
	Message string
	// RetryAfter, with Status, sets the Retry-After header, e.g. "2" or an HTTP date.
	RetryAfter string

	// Reset drops the connection; see ResetMode.
	Reset ResetMode
	// Truncate serves the request and sends the status and headers of the reply but
	// only the first half of its body, with a Content-Length matching what is sent, so
	// that JSON is cut mid-value. A reply without a body is sent unchanged.
	Truncate bool
	// Malformed answers 200, Content-Type application/json, with the body {"broken":
	Malformed bool
	// ContentType serves the request for its effects, discards the reply and answers
	// 200 with this Content-Type (e.g. "text/html") and an HTML error page, as a
	// misconfigured proxy does.
	ContentType string
	// Oversize answers 200 with a JSON object {"pad":"xxx..."} exactly this many bytes
	// long (at least MinOversize), generated while it is sent.
	Oversize int64
	// OverDeclared serves the request and sends the reply with a Content-Length equal
	// to the length of its body, followed by extra bytes beyond that length; then it
	// closes the connection.
	OverDeclared bool
	// Redirect answers 302 Found with this Location.
	Redirect string
	// BreakAt serves the request and cuts the reply's body off at a chosen byte: it
	// sends the headers and the body up to the first of these offsets that lies past
	// the start of the body, then closes the connection, so that the client hits an
	// unexpected EOF there. Offsets count from the start of the whole resource: a 206
	// reply whose Content-Range starts at byte N is cut at offset-N of its body. The
	// offsets are used in order, each once: a reply cuts at the next offset past its
	// start (the offsets it starts beyond are dropped), and is sent whole when none is
	// left. The fault is spent, like one whose Times is reached, once every offset is
	// used. Offsets must be positive and ascending. The body streams through: it is
	// never held in memory.
	BreakAt []int64
}

// Injected is a fault added to a fake by its InjectFault method. Its methods are safe
// for concurrent use. The fakes are its only implementations: methods may be added to
// it.
type Injected interface {
	// Hits returns how many requests the fault has acted on.
	Hits() int
	// Remove withdraws the fault; requests already being faulted finish. Removing it
	// again, or after it is spent, does nothing.
	Remove()
}
