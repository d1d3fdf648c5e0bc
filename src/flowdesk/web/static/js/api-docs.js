// The interactive API docs (/api/docs): Swagger UI, served by Flowdesk itself, reading the
// OpenAPI document. A file of its own, since the pages' policy forbids inline script.
window.addEventListener("DOMContentLoaded", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: false,
  });
});
