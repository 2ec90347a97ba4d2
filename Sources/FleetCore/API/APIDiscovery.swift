/// The discovery document served at `GET /fleet/v1/discovery`: a machine-readable description
/// of API v1 in the Google API discovery format the original used.
enum APIDiscovery {
    static let document = #"""
    {
      "kind": "discovery#restDescription",
      "discoveryVersion": "v1",
      "id": "fleet:v1",
      "name": "fleet",
      "version": "v1",
      "title": "fleet API",
      "description": "Manage the units of a fleet cluster: their contents, desired states, placement and reported states.",
      "protocol": "rest",
      "basePath": "/fleet/v1/",
      "servicePath": "fleet/v1/",
      "schemas": {
        "Unit": {
          "id": "Unit", "type": "object",
          "properties": {
            "name": {"type": "string"},
            "options": {"type": "array", "items": {"$ref": "UnitOption"}},
            "desiredState": {"type": "string", "enum": ["inactive", "loaded", "launched"]},
            "currentState": {"type": "string", "enum": ["inactive", "loaded", "launched"]},
            "machineID": {"type": "string"}
          }
        },
        "UnitOption": {
          "id": "UnitOption", "type": "object",
          "properties": {"section": {"type": "string"}, "name": {"type": "string"}, "value": {"type": "string"}}
        },
        "UnitPage": {
          "id": "UnitPage", "type": "object",
          "properties": {"units": {"type": "array", "items": {"$ref": "Unit"}}, "nextPageToken": {"type": "string"}}
        },
        "UnitState": {
          "id": "UnitState", "type": "object",
          "properties": {
            "name": {"type": "string"}, "hash": {"type": "string"}, "machineID": {"type": "string"},
            "systemdLoadState": {"type": "string"}, "systemdActiveState": {"type": "string"}, "systemdSubState": {"type": "string"}
          }
        },
        "UnitStatePage": {
          "id": "UnitStatePage", "type": "object",
          "properties": {"states": {"type": "array", "items": {"$ref": "UnitState"}}, "nextPageToken": {"type": "string"}}
        },
        "Machine": {
          "id": "Machine", "type": "object",
          "properties": {
            "id": {"type": "string"}, "primaryIP": {"type": "string"},
            "metadata": {"type": "object", "additionalProperties": {"type": "string"}}
          }
        },
        "MachinePage": {
          "id": "MachinePage", "type": "object",
          "properties": {"machines": {"type": "array", "items": {"$ref": "Machine"}}, "nextPageToken": {"type": "string"}}
        }
      },
      "resources": {
        "Units": {
          "methods": {
            "List": {"id": "fleet.Units.List", "path": "units", "httpMethod": "GET",
                     "parameters": {"nextPageToken": {"type": "string", "location": "query"}}, "response": {"$ref": "UnitPage"}},
            "Get": {"id": "fleet.Units.Get", "path": "units/{unitName}", "httpMethod": "GET",
                    "parameters": {"unitName": {"type": "string", "location": "path", "required": true}}, "response": {"$ref": "Unit"}},
            "Set": {"id": "fleet.Units.Set", "path": "units/{unitName}", "httpMethod": "PUT",
                    "parameters": {"unitName": {"type": "string", "location": "path", "required": true}}, "request": {"$ref": "Unit"}},
            "Delete": {"id": "fleet.Units.Delete", "path": "units/{unitName}", "httpMethod": "DELETE",
                       "parameters": {"unitName": {"type": "string", "location": "path", "required": true}}}
          }
        },
        "UnitState": {
          "methods": {
            "List": {"id": "fleet.UnitState.List", "path": "state", "httpMethod": "GET",
                     "parameters": {
                       "machineID": {"type": "string", "location": "query"},
                       "unitName": {"type": "string", "location": "query"},
                       "nextPageToken": {"type": "string", "location": "query"}},
                     "response": {"$ref": "UnitStatePage"}}
          }
        },
        "Machines": {
          "methods": {
            "List": {"id": "fleet.Machine.List", "path": "machines", "httpMethod": "GET",
                     "parameters": {"nextPageToken": {"type": "string", "location": "query"}}, "response": {"$ref": "MachinePage"}},
            "Patch": {"id": "fleet.Machine.Patch", "path": "machines", "httpMethod": "PATCH",
                      "description": "JSON Patch (add, remove, replace) of /<machineID>/metadata/<key>"}
          }
        }
      }
    }
    """#
}
