// One Microsoft.Network/privateDnsZones/virtualNetworkLinks (api 2024-06-01), written by a vnetplan plan: the exact REST body comes as parameters.

@description('Name of the existing parent resource')
param parentName string
param name string
param location string
param tags object
param properties object

resource parentResource 'Microsoft.Network/privateDnsZones@2024-06-01' existing = {
  name: parentName
}

resource res 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: parentResource
  name: name
  location: location
  tags: tags
  properties: properties
}

output id string = res.id
