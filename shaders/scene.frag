// SPDX-License-Identifier: GPL-3.0-or-later
// Mesh fragment shader: a key light and a fill light with Blinn-Phong
// highlights, so part shapes read clearly in neutral grey. State colours
// arrive in u_base_color; u_emphasis lifts alarmed parts out of shadow;
// u_hatch stripes parts whose value cannot be trusted (stale, bad quality);
// u_flat draws the plain colour (selection outline).
#version 330 core

in vec3 v_world_position;
in vec3 v_world_normal;

uniform vec3 u_base_color;
uniform vec3 u_camera_position;
uniform float u_emphasis;
uniform float u_hatch;
uniform float u_flat;

out vec4 out_color;

void
main ()
{
  if (u_flat > 0.5)
    {
      out_color = vec4 (u_base_color, 1.0);
      return;
    }

  vec3 normal = v_world_normal;
  vec3 view_dir = normalize (u_camera_position - v_world_position);
  vec3 key_dir = normalize (vec3 (0.4, 0.8, 0.5));
  vec3 fill_dir = normalize (vec3 (-0.6, 0.3, -0.4));

  if (dot (normal, normal) > 0.0)
    normal = normalize (normal);
  // Meshes are drawn two-sided; light the side that faces the camera.
  if (dot (normal, view_dir) < 0.0)
    normal = -normal;

  float key = max (dot (normal, key_dir), 0.0);
  float fill = max (dot (normal, fill_dir), 0.0) * 0.35;
  vec3 half_dir = normalize (key_dir + view_dir);
  float specular = pow (max (dot (normal, half_dir), 0.0), 32.0) * 0.25;

  vec3 lit = u_base_color * (0.25 + key * 0.75 + fill) + vec3 (specular);
  // Alarmed parts glow a little so they stand out even in shadow.
  lit = mix (lit, u_base_color, clamp (u_emphasis, 0.0, 1.0) * 0.5);

  // Diagonal stripes in screen space, the same width at any zoom.
  if (u_hatch > 0.0 && mod (gl_FragCoord.x + gl_FragCoord.y, 10.0) < 4.0)
    lit *= 1.0 - 0.55 * clamp (u_hatch, 0.0, 1.0);

  out_color = vec4 (lit, 1.0);
}
