// SPDX-License-Identifier: GPL-3.0-or-later
// Mesh vertex shader: world-space normal and position for lighting. For the
// selection outline the same mesh is drawn again pushed out along its
// normals by u_outline_width (world units); 0 for the normal pass.
#version 330 core

layout (location = 0) in vec3 in_position;
layout (location = 1) in vec3 in_normal;

uniform mat4 u_model;
uniform mat4 u_view;
uniform mat4 u_projection;
uniform mat3 u_normal_matrix;
uniform float u_outline_width;

out vec3 v_world_position;
out vec3 v_world_normal;

void
main ()
{
  vec4 world = u_model * vec4 (in_position, 1.0);
  vec3 normal = u_normal_matrix * in_normal;

  // Zero normals come from degenerate faces; leave those vertices in place.
  if (dot (normal, normal) > 0.0)
    normal = normalize (normal);
  world.xyz += normal * u_outline_width;

  v_world_position = world.xyz;
  v_world_normal = normal;
  gl_Position = u_projection * u_view * world;
}
