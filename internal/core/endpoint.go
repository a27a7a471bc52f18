package core

import "strings"

// Endpoint returns the https endpoint of service in region, with the official SDK's
// exceptions (CSS "es." hosts, ".eu" and ".cn" domains). Unknown regions follow the
// service's pattern.
func Endpoint(service, region string) string {
	host := wireServiceName(service)
	domain := "myhuaweicloud.com"
	switch service {
	case ServiceCSS:
		if region == "cn-north-1" || region == "cn-east-2" {
			host = "es"
		}
	case ServiceHSS:
		if region == "eu-west-101" {
			domain = "myhuaweicloud.eu"
		}
	case ServiceDWS:
		switch region {
		case "eu-west-101":
			domain = "myhuaweicloud.eu"
		case "cn-south-4", "cn-north-12", "cn-east-4", "tr-west-1", "ap-southeast-4":
			domain = "myhuaweicloud.cn"
		}
	}
	return "https://" + host + "." + strings.ToLower(region) + "." + domain
}
