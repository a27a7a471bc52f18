package fake

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	json "github.com/go-json-experiment/json/v1"
)

// HandlerFunc serves one route of a fake. body is the request body, already read
// (at most MaxRequestBody bytes); r.Body replays the same bytes. The request has been
// authenticated and its project checked before the handler runs. A handler may write
// any amount to w, streaming: nothing is buffered unless a fault that needs the whole
// response matches the request.
type HandlerFunc func(w http.ResponseWriter, r *http.Request, body []byte)

// ContentTypeJSON is the Content-Type of every JSON response of the fakes, as the
// services send it.
const ContentTypeJSON = "application/json;charset=UTF-8"

// errorBody is the error reply of API Gateway and of the services behind it.
type errorBody struct {
	Code    string `json:"error_code"`
	Message string `json:"error_msg"`
}

// WriteJSON answers status with v encoded as JSON. If v cannot be encoded, it answers
// 500 with an error body saying why instead, so a broken fake fails loudly.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(errorBody{Code: CodeFault, Message: "fake: cannot encode the response: " + err.Error()})
	}
	h := w.Header()
	h.Set("Content-Type", ContentTypeJSON)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// WriteError answers status with the error body {"error_code":code,"error_msg":msg},
// the shape every service and API Gateway use.
func WriteError(w http.ResponseWriter, status int, code, msg string) {
	WriteJSON(w, status, errorBody{Code: code, Message: msg})
}

// QueryInt returns the integer query parameter name of r (its first value): def when
// it is absent or empty, or an error naming the parameter when it is not a decimal
// integer or lies outside lo..hi. A handler answers the error with
// WriteError(w, http.StatusBadRequest, code, err.Error()), code being its service's
// code for a bad parameter.
func QueryInt(r *http.Request, name string, def, lo, hi int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("query parameter %s: %q is not an integer", name, s)
	}
	if v < lo || v > hi {
		return 0, fmt.Errorf("query parameter %s: %d out of range %d..%d", name, v, lo, hi)
	}
	return v, nil
}

// DecodeJSON decodes the JSON request body into v strictly: the body must be one JSON
// value, and an object must not carry fields v does not have, so that a client sending
// a misspelt field fails against the fake. An empty body is an error. A handler
// answers the error with WriteError(w, http.StatusBadRequest, code, err.Error()).
func DecodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errors.New("request body: empty, want a JSON value")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("request body: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("request body: unexpected data after the JSON value")
	}
	return nil
}
