package csstest

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/internal/fake"
)

// maxOffset is the documented ceiling of the job list's offset, which
// WithOffsetCeiling enforces.
const maxOffset = 1000

// logDateLayout is how the service writes the date of a run log line.
const logDateLayout = "2006-01-02 15:04:05"

// lookup returns the cluster of the request, or answers 404 and returns nil; s.mu is
// held.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) *cluster {
	id := r.PathValue("cluster_id")
	c := s.clusters[id]
	if c == nil {
		fake.WriteError(w, http.StatusNotFound, CodeClusterNotFound, "The cluster "+strconv.Quote(id)+" does not exist.")
	}
	return c
}

// badRequest answers 400 CodeInvalidParameter.
func badRequest(w http.ResponseWriter, msg string) {
	fake.WriteError(w, http.StatusBadRequest, CodeInvalidParameter, msg)
}

// writeEmpty answers 200 with an empty body, as the service does for its commands.
func writeEmpty(w http.ResponseWriter) {
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// ms is t in Unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// createLogBackup starts a Manual job: POST logs/collect.
func (s *Server) createLogBackup(w http.ResponseWriter, r *http.Request, _ []byte) {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookup(w, r)
	if c == nil {
		return
	}
	if !c.settings.logSwitch {
		fake.WriteError(w, http.StatusPreconditionFailed, CodeLogBackupDisabled, "Log backup is disabled for the cluster; enable it first.")
		return
	}
	if now.Before(c.busyUntil) || c.stuck > 0 {
		fake.WriteError(w, http.StatusConflict, CodeJobRunning, "A log backup job of the cluster is running; try again when it ends.")
		return
	}
	end := now.Add(s.opts.jobDuration)
	j := job{
		id: fake.NewID(), jobID: fake.NewHex(32), logPath: c.logPath(),
		createdAt: now, endAt: end, final: css.LogBackupSucceeded, jobType: css.JobTypeManual,
	}
	if s.opts.failure != "" {
		j.final, j.failedMsg = css.LogBackupFailed, s.opts.failure
	}
	if s.opts.listingDelay > 0 {
		j.listedAt = now.Add(s.opts.listingDelay)
	}
	c.jobs = append(c.jobs, j)
	c.busyUntil = end
	writeEmpty(w)
}

// recordJSON is a job on the wire: createAt a number, finishedAt and failedMsg null
// unless set.
type recordJSON struct {
	ID         string  `json:"id"`
	ClusterID  string  `json:"clusterId"`
	CreateAt   int64   `json:"createAt"`
	LogPath    string  `json:"logPath"`
	Status     string  `json:"status"`
	FinishedAt *int64  `json:"finishedAt"`
	JobTypes   string  `json:"jobTypes"`
	FailedMsg  *string `json:"failedMsg"`
	JobID      string  `json:"jobId"`
}

// listJSON is the reply of the job list; totalSize is left out WithoutTotal.
type listJSON struct {
	ClusterLogRecord []recordJSON `json:"clusterLogRecord"`
	TotalSize        *int         `json:"totalSize,omitempty"`
}

// position reads the 1-based position of the first job from the query parameter the
// server honours (WithPositionParam); the other is ignored, as the real service
// ignores a parameter it does not know.
func (s *Server) position(r *http.Request) (int, error) {
	name := string(s.opts.position)
	if s.opts.position == PositionNone {
		return 1, nil
	}
	hi := math.MaxInt32
	if s.opts.offsetCeiling {
		hi = maxOffset
	}
	return fake.QueryInt(r, name, 1, 1, hi)
}

// listLogBackups serves a page of the listed jobs, newest first (or oldest first,
// WithOldestFirst): GET logs/records.
func (s *Server) listLogBackups(w http.ResponseWriter, r *http.Request, _ []byte) {
	offset, err := s.position(r)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	limit, err := fake.QueryInt(r, "limit", 10, 1, 1000)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	if s.opts.pageCap > 0 {
		limit = min(limit, s.opts.pageCap)
	}
	filter := css.StatusFilter(r.URL.Query().Get("status"))
	switch filter {
	case "", css.StatusFilterFailed, css.StatusFilterNotFailed:
	default:
		badRequest(w, "query parameter status: "+strconv.Quote(string(filter))+" is not one of FAIL, NOT_FAIL")
		return
	}
	now := s.Now()
	s.mu.Lock()
	c := s.lookup(w, r)
	if c == nil {
		s.mu.Unlock()
		return
	}
	// at is the job at 0-based position k of the list in the order it is served.
	at := func(k int) *job { return &c.jobs[len(c.jobs)-1-k] }
	if s.opts.oldestFirst {
		at = func(k int) *job { return &c.jobs[k] }
	}
	out := listJSON{ClusterLogRecord: []recordJSON{}}
	total := 0
	if filter == "" && s.opts.listingDelay == 0 {
		// Unfiltered, every job listed: index the page directly, O(limit) whatever the
		// length.
		total = len(c.jobs)
		for k := offset - 1; k < len(c.jobs) && len(out.ClusterLogRecord) < limit; k++ {
			out.ClusterLogRecord = append(out.ClusterLogRecord, c.wire(at(k), now))
		}
	} else {
		// Filtered, or jobs listed late: the states and the listing depend on the clock,
		// so count every match.
		for k := range len(c.jobs) {
			j := at(k)
			if !j.listed(now) {
				continue
			}
			if filter != "" {
				status, _ := j.at(now)
				if (status == css.LogBackupFailed) != (filter == css.StatusFilterFailed) {
					continue
				}
			}
			total++
			if total >= offset && len(out.ClusterLogRecord) < limit {
				out.ClusterLogRecord = append(out.ClusterLogRecord, c.wire(j, now))
			}
		}
	}
	s.mu.Unlock()
	if !s.opts.noTotal {
		out.TotalSize = &total
	}
	fake.WriteJSON(w, http.StatusOK, out)
}

// wire is j as the service sends it, at now.
func (c *cluster) wire(j *job, now time.Time) recordJSON {
	status, finished := j.at(now)
	rec := recordJSON{
		ID: j.id, ClusterID: c.id, CreateAt: ms(j.createdAt), LogPath: j.logPath,
		Status: string(status), JobTypes: string(j.jobType), JobID: j.jobID,
	}
	if !finished.IsZero() {
		f := ms(finished)
		rec.FinishedAt = &f
	}
	if status == css.LogBackupFailed {
		msg := j.failedMsg
		rec.FailedMsg = &msg
	}
	return rec
}

// settingsJSON is the reply of GET logs/settings.
type settingsJSON struct {
	LogConfiguration struct {
		ID         string  `json:"id"`
		ClusterID  string  `json:"clusterId"`
		ObsBucket  string  `json:"obsBucket"`
		Agency     string  `json:"agency"`
		UpdateAt   int64   `json:"updateAt"`
		BasePath   string  `json:"basePath"`
		AutoEnable bool    `json:"autoEnable"`
		Period     *string `json:"period"`
		LogSwitch  bool    `json:"logSwitch"`
	} `json:"logConfiguration"`
	RealTimeLogCollectRecord *realTimeJSON `json:"realTimeLogCollectRecord,omitempty"`
}

type realTimeJSON struct {
	ID              string `json:"id"`
	ClusterID       string `json:"clusterId"`
	IndexPrefix     string `json:"indexPrefix"`
	KeepDays        int    `json:"keepDays"`
	TargetClusterID string `json:"targetClusterId"`
	Status          string `json:"status"`
	CreateAt        int64  `json:"createAt"`
	UpdateAt        int64  `json:"updateAt"`
}

// getLogSettings serves GET logs/settings.
func (s *Server) getLogSettings(w http.ResponseWriter, r *http.Request, _ []byte) {
	s.mu.Lock()
	c := s.lookup(w, r)
	if c == nil {
		s.mu.Unlock()
		return
	}
	var out settingsJSON
	st, lc := &c.settings, &out.LogConfiguration
	lc.ID, lc.ClusterID, lc.ObsBucket, lc.Agency, lc.BasePath = st.id, c.id, st.bucket, st.agency, st.basePath
	lc.UpdateAt, lc.AutoEnable, lc.LogSwitch = ms(st.updatedAt), st.autoEnable, st.logSwitch
	if st.autoEnable {
		p := st.period
		lc.Period = &p
	}
	if rt := c.realTime; rt != nil {
		out.RealTimeLogCollectRecord = &realTimeJSON{
			ID: rt.id, ClusterID: c.id, IndexPrefix: rt.indexPrefix, KeepDays: rt.keepDays,
			TargetClusterID: rt.targetClusterID, Status: rt.status, CreateAt: ms(rt.createdAt), UpdateAt: ms(rt.updatedAt),
		}
	}
	s.mu.Unlock()
	fake.WriteJSON(w, http.StatusOK, out)
}

// settingsBody is the body of logs/open and POST logs/settings.
type settingsBody struct {
	Agency          *string `json:"agency"`
	LogBasePath     *string `json:"log_base_path"`
	LogBucket       *string `json:"log_bucket"`
	AutoEnable      *bool   `json:"auto_enable"`
	Period          *string `json:"period"`
	IndexPrefix     *string `json:"index_prefix"`
	KeepDays        *int    `json:"keep_days"`
	TargetClusterID *string `json:"target_cluster_id"`
}

// apply copies the settings fields of b into st.
func (b *settingsBody) apply(st *settings) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&st.agency, b.Agency)
	set(&st.basePath, b.LogBasePath)
	set(&st.bucket, b.LogBucket)
	set(&st.period, b.Period)
	if b.AutoEnable != nil {
		st.autoEnable = *b.AutoEnable
	}
	if !st.autoEnable {
		st.period = ""
	}
}

// decodeSettings reads a settings body, or answers 400 and reports false.
func decodeSettings(w http.ResponseWriter, body []byte) (settingsBody, bool) {
	var b settingsBody
	if err := fake.DecodeJSON(body, &b); err != nil {
		badRequest(w, err.Error())
		return b, false
	}
	if b.KeepDays != nil && *b.KeepDays < 1 {
		badRequest(w, "keep_days: "+strconv.Itoa(*b.KeepDays)+" must be at least 1")
		return b, false
	}
	return b, true
}

// checkSettings answers 400 and reports false when st turns the automatic backup on
// without a period.
func checkSettings(w http.ResponseWriter, st *settings) bool {
	if st.autoEnable && strings.TrimSpace(st.period) == "" {
		badRequest(w, "period is required when auto_enable is true")
		return false
	}
	return true
}

// enableLogBackup serves POST logs/open.
func (s *Server) enableLogBackup(w http.ResponseWriter, r *http.Request, body []byte) {
	action := css.Action(r.URL.Query().Get("action"))
	switch action {
	case "", css.ActionBaseLogCollect, css.ActionRealTimeLogCollect:
	default:
		badRequest(w, "query parameter action: "+strconv.Quote(string(action))+" is not one of base_log_collect, real_time_log_collect")
		return
	}
	b, ok := decodeSettings(w, body)
	if !ok {
		return
	}
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookup(w, r)
	if c == nil {
		return
	}
	if action == css.ActionRealTimeLogCollect {
		if b.IndexPrefix == nil || *b.IndexPrefix == "" || b.KeepDays == nil || b.TargetClusterID == nil || *b.TargetClusterID == "" {
			badRequest(w, "index_prefix, keep_days and target_cluster_id are required for real_time_log_collect")
			return
		}
		if s.clusters[*b.TargetClusterID] == nil {
			fake.WriteError(w, http.StatusNotFound, CodeClusterNotFound, "The target cluster "+strconv.Quote(*b.TargetClusterID)+" does not exist.")
			return
		}
		rt := c.realTime
		if rt == nil {
			rt = &realTime{id: fake.NewID(), createdAt: now}
			c.realTime = rt
		}
		rt.indexPrefix, rt.keepDays, rt.targetClusterID = *b.IndexPrefix, *b.KeepDays, *b.TargetClusterID
		rt.status, rt.updatedAt = "ON", now
		writeEmpty(w)
		return
	}
	next := c.settings
	b.apply(&next)
	if !checkSettings(w, &next) {
		return
	}
	if next.bucket == "" || next.basePath == "" || next.agency == "" {
		badRequest(w, "log_bucket, log_base_path and agency are required to enable log backup")
		return
	}
	next.logSwitch, next.updatedAt = true, now
	c.settings = next
	writeEmpty(w)
}

// updateLogSettings serves POST logs/settings.
func (s *Server) updateLogSettings(w http.ResponseWriter, r *http.Request, body []byte) {
	b, ok := decodeSettings(w, body)
	if !ok {
		return
	}
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookup(w, r)
	if c == nil {
		return
	}
	next := c.settings
	b.apply(&next)
	if !checkSettings(w, &next) {
		return
	}
	next.updatedAt = now
	c.settings = next
	if rt := c.realTime; rt != nil {
		if b.IndexPrefix != nil {
			rt.indexPrefix = *b.IndexPrefix
		}
		if b.KeepDays != nil {
			rt.keepDays = *b.KeepDays
		}
		if b.TargetClusterID != nil {
			rt.targetClusterID = *b.TargetClusterID
		}
		rt.updatedAt = now
	}
	writeEmpty(w)
}

// disableLogBackup serves PUT logs/close.
func (s *Server) disableLogBackup(w http.ResponseWriter, r *http.Request, _ []byte) {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookup(w, r)
	if c == nil {
		return
	}
	c.settings.logSwitch, c.settings.autoEnable, c.settings.period = false, false, ""
	c.settings.updatedAt = now
	writeEmpty(w)
}

// setAutoBackupPolicy serves POST logs/policy/update.
func (s *Server) setAutoBackupPolicy(w http.ResponseWriter, r *http.Request, body []byte) {
	var b struct {
		Period string `json:"period"`
	}
	if err := fake.DecodeJSON(body, &b); err != nil {
		badRequest(w, err.Error())
		return
	}
	if strings.TrimSpace(b.Period) == "" {
		badRequest(w, "period is required")
		return
	}
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookup(w, r)
	if c == nil {
		return
	}
	if !c.settings.logSwitch {
		fake.WriteError(w, http.StatusPreconditionFailed, CodeLogBackupDisabled, "Log backup is disabled for the cluster; enable it first.")
		return
	}
	c.settings.autoEnable, c.settings.period, c.settings.updatedAt = true, b.Period, now
	writeEmpty(w)
}

// disableAutoBackupPolicy serves PUT logs/policy/close.
func (s *Server) disableAutoBackupPolicy(w http.ResponseWriter, r *http.Request, _ []byte) {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookup(w, r)
	if c == nil {
		return
	}
	c.settings.autoEnable, c.settings.period, c.settings.updatedAt = false, "", now
	writeEmpty(w)
}

// searchJSON is the reply of logs/search.
type searchJSON struct {
	LogList   []logJSON `json:"logList"`
	Type      string    `json:"type"`
	Completed bool      `json:"completed"`
}

type logJSON struct {
	Content string `json:"content"`
	Date    string `json:"date"`
	Level   string `json:"level"`
}

// searchLogs serves POST logs/search: the matching lines, newest first.
func (s *Server) searchLogs(w http.ResponseWriter, r *http.Request, body []byte) {
	var b struct {
		InstanceName string `json:"instance_name"`
		LogType      string `json:"log_type"`
		Level        string `json:"level"`
		Limit        *int   `json:"limit"`
		TimeIndex    string `json:"time_index"`
		Keyword      string `json:"keyword"`
	}
	if err := fake.DecodeJSON(body, &b); err != nil {
		badRequest(w, err.Error())
		return
	}
	logType := css.LogType(b.LogType)
	level := css.LogLevel(b.Level)
	limit := 100
	if b.Limit != nil {
		limit = *b.Limit
	}
	var before time.Time
	switch {
	case b.InstanceName == "":
		badRequest(w, "instance_name is required")
		return
	case !slices.Contains([]css.LogType{css.LogTypeDeprecation, css.LogTypeIndexingSlow, css.LogTypeSearchSlow, css.LogTypeInstance}, logType):
		badRequest(w, "log_type: "+strconv.Quote(b.LogType)+" is not one of deprecation, indexingSlow, searchSlow, instance")
		return
	case level != "" && !slices.Contains([]css.LogLevel{css.LogLevelInfo, css.LogLevelError, css.LogLevelDebug, css.LogLevelWarn}, level):
		badRequest(w, "level: "+strconv.Quote(b.Level)+" is not one of INFO, ERROR, DEBUG, WARN")
		return
	case limit < 1 || limit > 10000:
		badRequest(w, "limit: "+strconv.Itoa(limit)+" out of range 1..10000")
		return
	case b.TimeIndex != "":
		t, err := time.ParseInLocation(logDateLayout, b.TimeIndex, time.UTC)
		if err != nil {
			badRequest(w, "time_index: "+strconv.Quote(b.TimeIndex)+" is not a time like 2006-01-02 15:04:05")
			return
		}
		before = t
	}
	s.mu.Lock()
	c := s.lookup(w, r)
	if c == nil {
		s.mu.Unlock()
		return
	}
	out := searchJSON{LogList: []logJSON{}, Type: b.LogType, Completed: true}
	for i := len(c.logs) - 1; i >= 0; i-- {
		l := &c.logs[i]
		switch {
		case l.instance != b.InstanceName, l.logType != logType,
			level != "" && l.entry.Level != level,
			!strings.Contains(l.entry.Content, b.Keyword),
			!before.IsZero() && !l.entry.Date.Before(before):
			continue
		}
		if len(out.LogList) == limit {
			out.Completed = false
			break
		}
		out.LogList = append(out.LogList, logJSON{Content: l.entry.Content, Date: l.entry.DateText, Level: string(l.entry.Level)})
	}
	s.mu.Unlock()
	fake.WriteJSON(w, http.StatusOK, out)
}
