// One Microsoft.Network/privateEndpoints (api 2026-03-01), written by a vnetplan plan: the exact REST body comes as parameters.

param name string
param location string
param tags object
param properties object

resource res 'Microsoft.Network/privateEndpoints@2026-03-01' = {
  name: name
  location: location
  tags: tags
  properties: properties
}

output id string = res.id
@description('The private IP Azure assigned to the endpoint (from its network interface)')
output privateIp string = reference(res.properties.networkInterfaces[0].id, '2026-03-01').ipConfigurations[0].properties.privateIPAddress
