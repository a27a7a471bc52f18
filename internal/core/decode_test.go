package core

import (
	"bytes"
	stdjson "encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/hcloudlogs/hcloudlogs-go/internal/wire"
)

// sampleRecord has the shape of a CSS log backup record: strings, two times and a
// nullable message. The benchmark and the fuzz target of this file decode into it.
type sampleRecord struct {
	ID         string    `json:"id"`
	ClusterID  string    `json:"clusterId"`
	CreateAt   wire.Time `json:"createAt"`
	LogPath    string    `json:"logPath"`
	Status     string    `json:"status"`
	FinishedAt wire.Time `json:"finishedAt"`
	JobTypes   string    `json:"jobTypes"`
	FailedMsg  *string   `json:"failedMsg"`
	JobID      string    `json:"jobId"`
}

// samplePage is a page of sampleRecords.
type samplePage struct {
	ClusterLogRecord []sampleRecord `json:"clusterLogRecord"`
	TotalSize        *int           `json:"totalSize"`
}

// samplePageJSON is a page of n records as the service sends it.
func samplePageJSON(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"clusterLogRecord":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		created := 1656042837000 - int64(i)*3_600_000
		fmt.Fprintf(&b, `{"id":"d455a541-597e-4846-a6be-%012x","clusterId":"4213d908-f5dc-4633-8401-cfd7175fca0c",`+
			`"createAt":%d,"logPath":"css-backup-1610678043608/css/log","status":"SUCCESS","finishedAt":%d,`+
			`"jobTypes":"Auto","failedMsg":null,"jobId":"2c9080df7c171342017c5e08%08x"}`, i, created, created+90_000, i)
	}
	fmt.Fprintf(&b, `],"totalSize":%d}`, n)
	return []byte(b.String())
}

// BenchmarkDecodeJSON measures the decoding of a 10-record reply by decodeJSON (the
// go-json-experiment implementation of the encoding/json API) next to the standard
// library's encoding/json, on the same bytes into the same types: the reason for the
// dependency.
func BenchmarkDecodeJSON(b *testing.B) {
	body := samplePageJSON(10)
	for _, c := range []struct {
		name   string
		decode func([]byte, any) error
	}{
		{"decodeJSON", decodeJSON},
		{"encoding-json", stdjson.Unmarshal},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var p samplePage
				if err := c.decode(body, &p); err != nil {
					b.Fatal(err)
				}
				if len(p.ClusterLogRecord) != 10 || p.ClusterLogRecord[9].FinishedAt.IsZero() {
					b.Fatalf("bad decode: %+v", p)
				}
			}
		})
	}
}

// FuzzDecodeJSON checks decodeJSON against encoding/json on arbitrary replies: both
// accept with the same result, or both refuse.
func FuzzDecodeJSON(f *testing.F) {
	f.Add(samplePageJSON(2))
	f.Add([]byte(`{"clusterLogRecord":[{"createAt":"1656042837000","failedMsg":"x\u00e9","CLUSTERID":"a","id":"a","id":"b"}]}`))
	f.Add([]byte(`{"clusterLogRecord":null,"totalSize":1e3}`))
	f.Add([]byte("{\"clusterLogRecord\":[{\"status\":\"\xff\"}]}"))
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(bytes.TrimSpace(body)) == 0 {
			return // decodeJSON accepts an empty body as "no content"
		}
		var ours, std samplePage
		errOurs := decodeJSON(body, &ours)
		errStd := stdjson.Unmarshal(body, &std)
		if (errOurs == nil) != (errStd == nil) {
			t.Fatalf("decodeJSON error %v, encoding/json error %v", errOurs, errStd)
		}
		if errOurs == nil && !reflect.DeepEqual(ours, std) {
			t.Fatalf("decodeJSON %+v, encoding/json %+v", ours, std)
		}
	})
}
