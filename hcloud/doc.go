// Package hcloud holds the vocabulary shared by every service client of hcloudlogs-go:
// the Config that configures them, the RetryPolicy, the per-call Options, the
// ResponseMetadata every response carries, and the errors every call returns.
//
// One Config configures the clients of all four services (packages css, hss, dws and
// baremetal); each service package re-exports these types under the same names, so
// css.Config and hcloud.Config are one type. Package config fills a Config from the
// environment and the files the official Huawei Cloud SDK reads.
//
// Every operation of every client has the shape
//
//	func (c *Client) Op(ctx context.Context, req *OpRequest, opts ...hcloud.Option) (*OpResponse, error)
//
// and its errors are one of three types, reachable with errors.As:
//
//   - *APIError: the service answered with a status other than 2xx (after any retries);
//     errors.Is matches it against ErrNotFound, ErrThrottled and the other status
//     sentinels;
//   - *RequestError: no usable answer (a transport failure, a cancelled context, a reply
//     that could not be decoded);
//   - *ValidationError: the request was refused before anything was sent;
//     errors.Is(err, ErrInvalidRequest) matches it.
//
// Validation is the same in every service. A nil request fails with "request is nil".
// The ID of a cluster (CSS, DWS), a server (baremetal, the target of an HSS restore)
// or a host (HSS) must be hexadecimal digits in groups separated by '-', at most 64
// characters, such as the UUID 4213d908-f5dc-4633-8401-cfd7175fca0c (ValidID):
//
//	css: ListLogBackups: ClusterID "nope" is not an ID: want hexadecimal digits in groups separated by '-', ...
package hcloud
