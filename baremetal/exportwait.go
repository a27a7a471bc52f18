package baremetal

import (
	"errors"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
)

// GracePeriod is how long after ExportLogs answers, by the client's clock,
// ExportAndDownload takes a 404 from GetLogExport for the new export as "not visible
// yet" and keeps polling: the service may answer status queries for an export a few
// seconds after it created it. A 404 after GracePeriod ends the wait with an error
// that names the export and the server and wraps the *APIError (so errors.Is(err,
// ErrNotFound) holds).
const GracePeriod = 30 * time.Second

// exportMiss judges a status poll of ExportAndDownload that failed with err, for the
// export exportID of serverID started at started: a 404 within GracePeriod is an
// export not visible yet (nil: poll again), a 404 after it an error naming the export,
// and any other error is returned as it is.
func exportMiss(op core.Op, clock core.Clock, started time.Time, serverID, exportID string, err error) error {
	if !errors.Is(err, ErrNotFound) {
		return err
	}
	waited := clock.Now().Sub(started)
	if waited <= GracePeriod {
		return nil
	}
	return op.Errorf("export %s of server %s still not found %v after it started: %w", exportID, serverID, waited, err)
}
