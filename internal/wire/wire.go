// Package wire decodes the loosely typed JSON values of the Huawei Cloud APIs: times
// that arrive as Unix milliseconds (number or string), RFC 3339 or zone-less text, and
// percentages that arrive as "30%", "30" or 30, or as something else entirely.
package wire

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	json "github.com/go-json-experiment/json/v1"
)

// Time is a time.Time that decodes from every form the services send:
// Unix milliseconds as a JSON number or numeric string, RFC 3339 with Z or an offset,
// zone-less "2006-01-02T15:04:05" (read as UTC), and null or "" (the zero time).
type Time struct{ time.Time }

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(b []byte) error {
	v, err := ParseTime(b)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// MarshalJSON writes the time as RFC 3339 in UTC, or null for the zero time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.UTC().Format(time.RFC3339Nano) + `"`), nil
}

// zoneless are the layouts without a zone, read as UTC.
var zoneless = []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"}

// ParseTime decodes one raw JSON value as a Time (see Time for the accepted forms).
func ParseTime(b []byte) (time.Time, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return time.Time{}, nil
	}
	// Unix milliseconds, a number or a plain numeric string: the common case, parsed
	// without allocating.
	digits := b
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		digits = b[1 : len(b)-1]
	}
	if ms, ok := parseMillis(digits); ok {
		return time.UnixMilli(ms).UTC(), nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return time.Time{}, fmt.Errorf("time %s: %w", b, err)
		}
		return parseTimeString(strings.TrimSpace(s))
	}
	ms, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %.40s: not Unix milliseconds", b)
	}
	return time.UnixMilli(ms).UTC(), nil
}

// parseMillis parses 1 to 18 decimal digits (no sign, no spaces) without allocating.
func parseMillis(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

func parseTimeString(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range zoneless {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("time %.40q: not Unix milliseconds, RFC 3339 or 2006-01-02T15:04:05", s)
}

// Progress is a cosmetic percentage that never fails to decode, so that an odd value
// (-1, "N/A") cannot fail a whole reply. Percent is 0..100 when the value is one
// ("30%", "30", 30; a fraction is truncated), 0 for null or "", and -1 for anything
// else; Text then holds the value as sent (a string's content, or the JSON text of
// any other value) and is empty otherwise.
type Progress struct {
	Percent int
	Text    string
}

// UnmarshalJSON implements json.Unmarshaler; it fails only on input that is not JSON.
func (p *Progress) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	v, err := ParsePercent(b)
	if err == nil {
		*p = Progress{Percent: v}
		return nil
	}
	text := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &text); err != nil {
			return fmt.Errorf("progress %.40s: %w", b, err)
		}
	}
	*p = Progress{Percent: -1, Text: text}
	return nil
}

// ParsePercent decodes one raw JSON value as a percentage, 0..100, from "30%", "30",
// 30 or null (0); a fraction is truncated ("12.5%" is 12).
func ParsePercent(b []byte) (int, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return 0, nil
	}
	s := string(b)
	if b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return 0, fmt.Errorf("percentage %s: %w", b, err)
		}
		s = strings.TrimSuffix(strings.TrimSpace(s), "%")
		s = strings.TrimSpace(s)
		if s == "" {
			return 0, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("percentage %.40q: not a number", s)
	}
	if !(f >= 0 && f <= 100) {
		return 0, fmt.Errorf("percentage %.40q: outside 0..100", s)
	}
	return int(f), nil
}
