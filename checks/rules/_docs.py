"""Microsoft documentation the rules cite (one place, so a moved page is fixed once)."""

PEERING_OVERVIEW = "https://learn.microsoft.com/azure/virtual-network/virtual-network-peering-overview"
PEERING_MANAGE = "https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering"
PEERING_ADDRESS_SPACE = "https://learn.microsoft.com/azure/virtual-network/update-virtual-network-peering-address-space"
NETWORK_LIMITS = (
    "https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits"
    "#azure-networking-limits"
)
GATEWAY_TRANSIT = "https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-peering-gateway-transit"
LB_SKUS = "https://learn.microsoft.com/azure/load-balancer/skus"
LB_UPGRADE = "https://learn.microsoft.com/azure/load-balancer/upgrade-basic-standard-with-powershell"
VNET_MANAGE = "https://learn.microsoft.com/azure/virtual-network/manage-virtual-network"
VNET_FAQ = "https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq"
SUBNET_MANAGE = "https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-subnet"
PRIVATE_DNS_OVERVIEW = "https://learn.microsoft.com/azure/dns/private-dns-overview"
PRIVATE_DNS_LINKS = "https://learn.microsoft.com/azure/dns/private-dns-virtual-network-links"
PRIVATE_DNS_AUTOREG = "https://learn.microsoft.com/azure/dns/private-dns-autoregistration"
PRIVATE_DNS_FALLBACK = "https://learn.microsoft.com/azure/dns/private-dns-fallback"
DNS_RECORDS = "https://learn.microsoft.com/azure/dns/dns-zones-records"
NAME_RESOLUTION = (
    "https://learn.microsoft.com/azure/virtual-network/virtual-networks-name-resolution-for-vms-and-role-instances"
)
RESOLVER_RULESETS = "https://learn.microsoft.com/azure/dns/private-resolver-endpoints-rulesets"
RESOLVER_ARCHITECTURE = "https://learn.microsoft.com/azure/dns/private-resolver-architecture"
PE_DNS = "https://learn.microsoft.com/azure/private-link/private-endpoint-dns"
PE_DNS_INTEGRATION = "https://learn.microsoft.com/azure/private-link/private-endpoint-dns-integration"
PE_MANAGE = "https://learn.microsoft.com/azure/private-link/manage-private-endpoint"
RBAC_ASSIGN = "https://learn.microsoft.com/azure/role-based-access-control/role-assignments-cli"
