"""The GraphQL documents the app sends (names match backend/schema.graphql)."""

from __future__ import annotations

USER_FIELDS = "id username displayName roles mineId areaId teamId"

AUTH_RESULT = f"""
  __typename
  ... on AuthSession {{ accessToken refreshToken accessExpiresAt user {{ {USER_FIELDS} }} }}
  ... on LoginFailed {{ message }}
"""

LOGIN = f"""
mutation Login($username: String!, $password: String!) {{
  login(username: $username, password: $password) {{ {AUTH_RESULT} }}
}}
"""

REFRESH_SESSION = f"""
mutation Refresh($refreshToken: String!) {{
  refreshSession(refreshToken: $refreshToken) {{ {AUTH_RESULT} }}
}}
"""

LOGOUT = """
mutation Logout($refreshToken: String!) { logout(refreshToken: $refreshToken) }
"""

ME = f"query Me {{ me {{ {USER_FIELDS} }} }}"

AREAS = "query Areas { areas { id name } }"

TEAMS = "query Teams { teams { id name areaId leaderId } }"

PEOPLE = "query People($role: Role, $areaId: ID) { people(role: $role, areaId: $areaId) { id displayName } }"

HAZARD_FIELDS = """
fragment HazardFields on Hazard {
  id state grade suggestedGrade level description location deadline isOverdue createdAt reporterName
  allowedSteps triageLevels mayTriageMajor controlMeasures treatmentPlan rectificationNote dismissedReason
  observedAt category { id name(language: $lang) }
  area { id name }
  reporter { id displayName }
  responsible { id displayName }
  photos { key url thumbnailUrl }
  rectificationPhotos { key url thumbnailUrl }
}
"""

HAZARDS = """
query Hazards($where: HazardFilterInput, $first: Int!, $after: String, $lang: String) {
  hazards(where: $where, first: $first, after: $after) {
    edges { cursor node { ...HazardFields } }
    pageInfo { hasNextPage endCursor }
  }
}
""" + HAZARD_FIELDS

HAZARD = """
query Hazard($id: ID!, $lang: String) { hazard(id: $id) { ...HazardFields } }
""" + HAZARD_FIELDS

TRACEABILITY = """
query Traceability($subjectId: ID!) {
  traceability(subjectId: $subjectId) {
    seq at action actorName actorRole reason before after responsible { id displayName }
  }
}
"""

REQUEST_UPLOAD = """
mutation RequestUpload($input: RequestUploadInput!) {
  requestUpload(input: $input) {
    __typename
    ... on UploadTicket { key url method headers { name value } expiresAt }
    ... on NotAllowed { message }
    ... on ValidationFailed { message field }
  }
}
"""

# The members each hazard mutation's union may return, as one selection.
_TRANSITION_RESULT = """
  __typename
  ... on Hazard { ...HazardFields }
  ... on InvalidTransition { message }
  ... on NotAllowed { message }
  ... on NotFound { message }
  ... on ValidationFailed { message field }
"""

# The outbox only needs the acknowledgement (the hazard's id), not the whole hazard.
REPORT_HAZARD = """
mutation ReportHazard($input: ReportHazardInput!) {
  reportHazard(input: $input) {
    __typename
    ... on Hazard { id state }
    ... on PhotoRejected { message key reason }
    ... on NotAllowed { message }
    ... on ValidationFailed { message field }
  }
}
"""

SUBMIT_RECTIFICATION = """
mutation SubmitRectification($input: SubmitRectificationInput!) {
  submitRectification(input: $input) {
    __typename
    ... on Hazard { id state }
    ... on PhotoRejected { message key reason }
    ... on InvalidTransition { message }
    ... on NotAllowed { message }
    ... on NotFound { message }
    ... on ValidationFailed { message field }
  }
}
"""

TRIAGE_HAZARD = f"""
mutation TriageHazard($input: TriageHazardInput!, $lang: String) {{
  triageHazard(input: $input) {{ {_TRANSITION_RESULT} }}
}}
""" + HAZARD_FIELDS

ACCEPT_HAZARD = f"""
mutation AcceptHazard($hazardId: ID!, $lang: String) {{
  acceptHazard(hazardId: $hazardId) {{ {_TRANSITION_RESULT} }}
}}
""" + HAZARD_FIELDS

REINSPECT_HAZARD = f"""
mutation ReinspectHazard($input: ReinspectHazardInput!, $lang: String) {{
  reinspectHazard(input: $input) {{ {_TRANSITION_RESULT} }}
}}
""" + HAZARD_FIELDS

DISMISS_HAZARD = f"""
mutation DismissHazard($hazardId: ID!, $reason: String!, $lang: String) {{
  dismissHazard(hazardId: $hazardId, reason: $reason) {{ {_TRANSITION_RESULT} }}
}}
""" + HAZARD_FIELDS

REASSIGN_HAZARD = f"""
mutation ReassignHazard($input: ReassignHazardInput!, $lang: String) {{
  reassignHazard(input: $input) {{ {_TRANSITION_RESULT} }}
}}
""" + HAZARD_FIELDS

SIGN_OFF_MAJOR_HAZARD = f"""
mutation SignOff($hazardId: ID!, $note: String, $lang: String) {{
  signOffMajorHazard(hazardId: $hazardId, note: $note) {{ {_TRANSITION_RESULT} }}
}}
""" + HAZARD_FIELDS

HAZARD_EVENTS = """
subscription HazardEvents($areaId: ID, $assigneeId: ID, $lang: String) {
  hazardEvents(areaId: $areaId, assigneeId: $assigneeId) { kind hazard { ...HazardFields } }
}
""" + HAZARD_FIELDS

HAZARD_CATEGORIES = """
query HazardCategories($lang: String) {
  hazardCategories { id code suggestedGrade name(language: $lang) phrases(language: $lang) }
}
"""

HAZARD_QUEUE_COUNTS = """
query HazardQueueCounts {
  hazardQueueCounts { toTriage toReinspect toSignOff assignedToMe overdue myOpenReports }
}
"""
