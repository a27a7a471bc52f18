package baremetal_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/hcloudlogs/hcloudlogs-go/baremetal"
	"github.com/hcloudlogs/hcloudlogs-go/baremetal/baremetaltest"
)

// ExportAndDownload runs the whole workflow: export, wait, download. Here it runs
// against the fake service; with the real one, build the Config with ConfigFromEnv.
func ExampleClient_ExportAndDownload() {
	srv := baremetaltest.NewServer(baremetaltest.WithExportDuration(300*time.Millisecond), baremetaltest.WithArchiveSize(64<<10))
	defer srv.Close()

	client, err := baremetal.New(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var archive bytes.Buffer // an *os.File in real use: memory stays constant either way
	resp, err := client.ExportAndDownload(ctx, &baremetal.ExportAndDownloadRequest{
		ServerID:    "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001",
		Destination: &archive,
	},
		hcloud.WithMinDelay(100*time.Millisecond),
		hcloud.WithProgress(func(p hcloud.Progress) {
			if p.Phase == hcloud.PhaseDownloading && p.Written == p.Total {
				fmt.Printf("downloaded %s\n", p.Filename)
			}
		}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("export %s %s, %d bytes\n", resp.Export.ID, resp.Export.Status, resp.Written)

	zr, err := gzip.NewReader(&archive)
	if err != nil {
		log.Fatal(err)
	}
	hdr, err := tar.NewReader(zr).Next()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("archive holds", hdr.Name)
	// Output:
	// downloaded b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001-dump.tar.gz
	// export 1 completed, 65536 bytes
	// archive holds dump/server.log
}

// The three steps one by one: export, poll, download.
func ExampleClient_DownloadLogs() {
	srv := baremetaltest.NewServer(baremetaltest.WithExportDuration(0), baremetaltest.WithArchiveSize(4096))
	defer srv.Close()
	serial := srv.AddServer("b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001")

	client, err := baremetal.New(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	exp, err := client.ExportLogs(ctx, &baremetal.ExportLogsRequest{ServerID: "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001"})
	if err != nil {
		log.Fatal(err)
	}
	st, err := client.GetLogExport(ctx, &baremetal.GetLogExportRequest{ServerID: "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001", ExportID: exp.ID})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(st.Status, st.Percent, st.Status.Done())

	dl, err := client.DownloadLogs(ctx, &baremetal.DownloadLogsRequest{ServerID: "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001", ExportID: exp.ID})
	if err != nil {
		log.Fatal(err)
	}
	defer dl.Body.Close()
	n, err := io.Copy(io.Discard, dl.Body)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(dl.Filename == serial+"-dump.tar.gz", dl.ContentLength, n)
	// Output:
	// completed 100 true
	// true 4096 4096
}
