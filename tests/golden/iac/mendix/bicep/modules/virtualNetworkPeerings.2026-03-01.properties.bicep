// One Microsoft.Network/virtualNetworks/virtualNetworkPeerings (api 2026-03-01), written by a vnetplan plan: the exact REST body comes as parameters.

@description('Name of the existing parent resource')
param parentName string
param name string
param properties object

resource parentResource 'Microsoft.Network/virtualNetworks@2026-03-01' existing = {
  name: parentName
}

resource res 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings@2026-03-01' = {
  parent: parentResource
  name: name
  properties: properties
}

output id string = res.id
