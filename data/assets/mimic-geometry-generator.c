/* mimic-geometry-generator.c
 *
 * Builds the 3D geometry of the sample assets from primitives (boxes,
 * capped cylinders and cones, torus sections and a volute spiral) and writes
 * it as a self-contained glTF 2.0 file: one JSON document whose binary buffer
 * is embedded as a base64 data URI.
 *
 * The output must be byte-for-byte reproducible, because the committed files
 * are compared with a fresh run by the test suite. Three things make it so:
 * json-glib keeps members in insertion order, every coordinate is snapped to
 * a 1/4096 m grid (so the numbers written to JSON are exact binary fractions
 * and libm rounding in the last bit cannot change them), and normals are
 * snapped to 1/65536.
 *
 *   mimic-geometry-generator pump-skid OUTPUT.gltf
 *   mimic-geometry-generator battery-rack OUTPUT.gltf
 *
 * Units are metres, Y is up, triangles wind counter-clockwise seen from
 * outside. Every node has its own mesh; a node's origin is the natural pivot
 * of its part (a shaft axis, a module's centre) so a viewer can move parts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-geometry"

#include "config.h"

#include <locale.h>
#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#define POSITION_GRID 4096.0
#define NORMAL_GRID   65536.0

/* glTF enumerations */
#define GLTF_FLOAT              5126
#define GLTF_UNSIGNED_SHORT     5123
#define GLTF_UNSIGNED_INT       5125
#define GLTF_ARRAY_BUFFER       34962
#define GLTF_ELEMENT_ARRAY      34963
#define GLTF_MODE_TRIANGLES     4

/* Tessellation: large round parts, pipes and small fittings. */
#define SEGMENTS_LARGE  48
#define SEGMENTS_MEDIUM 32
#define SEGMENTS_SMALL  16

typedef struct
{
  double x, y, z;
} Vec3;

static const Vec3 AXIS_X = { 1, 0, 0 };
static const Vec3 AXIS_Y = { 0, 1, 0 };
static const Vec3 AXIS_Z = { 0, 0, 1 };

static Vec3
vec3 (double x,
      double y,
      double z)
{
  return (Vec3) { x, y, z };
}

static Vec3
vec3_add (Vec3 a,
          Vec3 b)
{
  return vec3 (a.x + b.x, a.y + b.y, a.z + b.z);
}

static Vec3
vec3_sub (Vec3 a,
          Vec3 b)
{
  return vec3 (a.x - b.x, a.y - b.y, a.z - b.z);
}

static Vec3
vec3_scale (Vec3   a,
            double s)
{
  return vec3 (a.x * s, a.y * s, a.z * s);
}

static Vec3
vec3_cross (Vec3 a,
            Vec3 b)
{
  return vec3 (a.y * b.z - a.z * b.y,
               a.z * b.x - a.x * b.z,
               a.x * b.y - a.y * b.x);
}

static Vec3
vec3_normalize (Vec3 a)
{
  double length = sqrt (a.x * a.x + a.y * a.y + a.z * a.z);

  g_assert (length > 0);
  return vec3_scale (a, 1.0 / length);
}

static double
snap (double value,
      double grid)
{
  /* Adding 0.0 turns a negative zero into a positive one, so -0 never
   * appears in the output. */
  return round (value * grid) / grid + 0.0;
}

static Vec3
vec3_snap (Vec3   a,
           double grid)
{
  return vec3 (snap (a.x, grid), snap (a.y, grid), snap (a.z, grid));
}

/* A right-handed orthonormal frame (u × v = w) placed at origin; primitives
 * are described in its local coordinates. A right-handed frame keeps
 * counter-clockwise triangles counter-clockwise. */
typedef struct
{
  Vec3 origin;
  Vec3 u, v, w;
} Frame;

static Frame
frame_world (Vec3 origin)
{
  return (Frame) { origin, AXIS_X, AXIS_Y, AXIS_Z };
}

/* A frame whose local z runs along axis. */
static Frame
frame_along (Vec3 origin,
             Vec3 axis)
{
  Frame frame;
  Vec3 helper;

  frame.origin = origin;
  frame.w = vec3_normalize (axis);
  helper = fabs (frame.w.y) < 0.9 ? AXIS_Y : AXIS_X;
  frame.u = vec3_normalize (vec3_cross (helper, frame.w));
  frame.v = vec3_cross (frame.w, frame.u);
  return frame;
}

/* A frame for a 90° bend that starts at start heading along incoming and
 * leaves heading along outgoing, with its centre line radius bend_radius:
 * local +y is the incoming direction, local -x the outgoing one, and the
 * origin is the centre of the bend. */
static Frame
frame_for_bend (Vec3   start,
                Vec3   incoming,
                Vec3   outgoing,
                double bend_radius)
{
  Frame frame;

  frame.u = vec3_scale (outgoing, -1);
  frame.v = incoming;
  frame.w = vec3_cross (frame.u, frame.v);
  frame.origin = vec3_add (start, vec3_scale (outgoing, bend_radius));
  return frame;
}

static Vec3
frame_point (const Frame *frame,
             Vec3         local)
{
  Vec3 p = frame->origin;

  p = vec3_add (p, vec3_scale (frame->u, local.x));
  p = vec3_add (p, vec3_scale (frame->v, local.y));
  p = vec3_add (p, vec3_scale (frame->w, local.z));
  return p;
}

static Vec3
frame_direction (const Frame *frame,
                 Vec3         local)
{
  Vec3 d = vec3_scale (frame->u, local.x);

  d = vec3_add (d, vec3_scale (frame->v, local.y));
  d = vec3_add (d, vec3_scale (frame->w, local.z));
  return d;
}

/* Triangles in world coordinates; vertices carry their own normals. */
typedef struct
{
  GArray *positions;  /* Vec3, snapped to the position grid */
  GArray *normals;    /* Vec3, unit length, snapped to the normal grid */
  GArray *indices;    /* guint32 */
} Mesh;

static Mesh *
mesh_new (void)
{
  Mesh *mesh = g_new0 (Mesh, 1);

  mesh->positions = g_array_new (FALSE, FALSE, sizeof (Vec3));
  mesh->normals = g_array_new (FALSE, FALSE, sizeof (Vec3));
  mesh->indices = g_array_new (FALSE, FALSE, sizeof (guint32));
  return mesh;
}

static void
mesh_free (Mesh *mesh)
{
  g_array_unref (mesh->positions);
  g_array_unref (mesh->normals);
  g_array_unref (mesh->indices);
  g_free (mesh);
}

static guint32
mesh_add_vertex (Mesh        *mesh,
                 const Frame *frame,
                 Vec3         local_position,
                 Vec3         local_normal)
{
  Vec3 position = vec3_snap (frame_point (frame, local_position), POSITION_GRID);
  Vec3 normal = frame_direction (frame, vec3_normalize (local_normal));

  normal = vec3_snap (vec3_normalize (normal), NORMAL_GRID);
  g_array_append_val (mesh->positions, position);
  g_array_append_val (mesh->normals, normal);
  return mesh->positions->len - 1;
}

static void
mesh_add_triangle (Mesh    *mesh,
                   guint32  a,
                   guint32  b,
                   guint32  c)
{
  guint32 triangle[3] = { a, b, c };

  g_array_append_vals (mesh->indices, triangle, 3);
}

/* Two triangles for the quad a b c d, counter-clockwise. */
static void
mesh_add_quad (Mesh    *mesh,
               guint32  a,
               guint32  b,
               guint32  c,
               guint32  d)
{
  mesh_add_triangle (mesh, a, b, c);
  mesh_add_triangle (mesh, a, c, d);
}

/* A box centred on centre (local coordinates of frame) with edge lengths
 * size along the frame's axes; flat-shaded, four vertices per face. */
static void
mesh_add_box (Mesh        *mesh,
              const Frame *frame,
              Vec3         centre,
              Vec3         size)
{
  /* Each face: outward normal n and in-face axes s, t with s × t = n. */
  static const struct { Vec3 n, s, t; } faces[] = {
    { {  1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } },
    { { -1, 0, 0 }, { 0, 0, 1 }, { 0, 1, 0 } },
    { { 0,  1, 0 }, { 0, 0, 1 }, { 1, 0, 0 } },
    { { 0, -1, 0 }, { 1, 0, 0 }, { 0, 0, 1 } },
    { { 0, 0,  1 }, { 1, 0, 0 }, { 0, 1, 0 } },
    { { 0, 0, -1 }, { 0, 1, 0 }, { 1, 0, 0 } },
  };
  Vec3 half = vec3_scale (size, 0.5);

  for (guint f = 0; f < G_N_ELEMENTS (faces); f++)
    {
      static const double corners[4][2] = { { -1, -1 }, { 1, -1 }, { 1, 1 }, { -1, 1 } };
      guint32 index[4];

      for (guint c = 0; c < 4; c++)
        {
          Vec3 p = centre;

          p.x += half.x * (faces[f].n.x + corners[c][0] * faces[f].s.x + corners[c][1] * faces[f].t.x);
          p.y += half.y * (faces[f].n.y + corners[c][0] * faces[f].s.y + corners[c][1] * faces[f].t.y);
          p.z += half.z * (faces[f].n.z + corners[c][0] * faces[f].s.z + corners[c][1] * faces[f].t.z);
          index[c] = mesh_add_vertex (mesh, frame, p, faces[f].n);
        }
      mesh_add_quad (mesh, index[0], index[1], index[2], index[3]);
    }
}

/* An axis-aligned box given by two opposite corners in world coordinates. */
static void
mesh_add_block (Mesh   *mesh,
                double  x0,
                double  y0,
                double  z0,
                double  x1,
                double  y1,
                double  z1)
{
  Frame world = frame_world (vec3 (0, 0, 0));

  mesh_add_box (mesh, &world,
                vec3 ((x0 + x1) / 2, (y0 + y1) / 2, (z0 + z1) / 2),
                vec3 (fabs (x1 - x0), fabs (y1 - y0), fabs (z1 - z0)));
}

static void
mesh_add_disc (Mesh        *mesh,
               const Frame *frame,
               double       z,
               double       radius,
               guint        segments,
               gboolean     facing_forward)
{
  Vec3 normal = vec3 (0, 0, facing_forward ? 1 : -1);
  guint32 centre = mesh_add_vertex (mesh, frame, vec3 (0, 0, z), normal);

  for (guint i = 0; i <= segments; i++)
    {
      double angle = 2 * G_PI * i / segments;
      guint32 index = mesh_add_vertex (mesh, frame,
                                       vec3 (radius * cos (angle), radius * sin (angle), z),
                                       normal);
      if (i == 0)
        continue;
      if (facing_forward)
        mesh_add_triangle (mesh, centre, index - 1, index);
      else
        mesh_add_triangle (mesh, centre, index, index - 1);
    }
}

/* A cone frustum along the frame's local z from z0 (radius r0) to z1
 * (radius r1), smooth-shaded side, optional flat caps. A cylinder is a
 * frustum with equal radii. */
static void
mesh_add_frustum (Mesh        *mesh,
                  const Frame *frame,
                  double       z0,
                  double       z1,
                  double       r0,
                  double       r1,
                  guint        segments,
                  gboolean     cap0,
                  gboolean     cap1)
{
  double length = z1 - z0;
  guint32 previous_bottom = 0, previous_top = 0;

  g_assert (length > 0);

  for (guint i = 0; i <= segments; i++)
    {
      double angle = 2 * G_PI * i / segments;
      double c = cos (angle), s = sin (angle);
      Vec3 normal = vec3 (length * c, length * s, r0 - r1);
      guint32 bottom = mesh_add_vertex (mesh, frame, vec3 (r0 * c, r0 * s, z0), normal);
      guint32 top = mesh_add_vertex (mesh, frame, vec3 (r1 * c, r1 * s, z1), normal);

      if (i > 0)
        {
          /* A cone that closes to a point has no area on that side. */
          if (r1 > 0)
            mesh_add_triangle (mesh, previous_bottom, bottom, top);
          if (r0 > 0)
            mesh_add_triangle (mesh, previous_bottom, top, previous_top);
        }
      previous_bottom = bottom;
      previous_top = top;
    }

  if (cap0 && r0 > 0)
    mesh_add_disc (mesh, frame, z0, r0, segments, FALSE);
  if (cap1 && r1 > 0)
    mesh_add_disc (mesh, frame, z1, r1, segments, TRUE);
}

static void
mesh_add_cylinder (Mesh        *mesh,
                   const Frame *frame,
                   double       z0,
                   double       z1,
                   double       radius,
                   guint        segments)
{
  mesh_add_frustum (mesh, frame, z0, z1, radius, radius, segments, TRUE, TRUE);
}

/* A capped cylinder between two world points. */
static void
mesh_add_rod (Mesh   *mesh,
              Vec3    from,
              Vec3    to,
              double  radius,
              guint   segments)
{
  Vec3 axis = vec3_sub (to, from);
  double length = sqrt (axis.x * axis.x + axis.y * axis.y + axis.z * axis.z);
  Frame frame = frame_along (from, axis);

  mesh_add_cylinder (mesh, &frame, 0, length, radius, segments);
}

/* A tube swept around the frame's local z axis from angle0 to angle1: its
 * centre line has radius sweep_r0 at angle0 growing linearly to sweep_r1,
 * its cross-section radius tube_r0 growing to tube_r1. Equal radii give a
 * torus section (a pipe bend); growing ones give a volute. */
static void
mesh_add_sweep (Mesh        *mesh,
                const Frame *frame,
                double       angle0,
                double       angle1,
                double       sweep_r0,
                double       sweep_r1,
                double       tube_r0,
                double       tube_r1,
                guint        steps,
                guint        segments,
                gboolean     caps)
{
  guint32 first_ring = mesh->positions->len;

  for (guint i = 0; i <= steps; i++)
    {
      double t = (double) i / steps;
      double alpha = angle0 + (angle1 - angle0) * t;
      double sweep_radius = sweep_r0 + (sweep_r1 - sweep_r0) * t;
      double tube_radius = tube_r0 + (tube_r1 - tube_r0) * t;
      Vec3 radial = vec3 (cos (alpha), sin (alpha), 0);

      for (guint j = 0; j <= segments; j++)
        {
          double beta = 2 * G_PI * j / segments;
          Vec3 normal = vec3_add (vec3_scale (radial, cos (beta)),
                                  vec3_scale (AXIS_Z, sin (beta)));
          Vec3 point = vec3_add (vec3_scale (radial, sweep_radius),
                                 vec3_scale (normal, tube_radius));

          mesh_add_vertex (mesh, frame, point, normal);
        }
    }

  for (guint i = 0; i < steps; i++)
    for (guint j = 0; j < segments; j++)
      {
        guint32 a = first_ring + i * (segments + 1) + j;
        guint32 b = a + (segments + 1);

        mesh_add_quad (mesh, a, b, b + 1, a + 1);
      }

  if (caps)
    {
      /* A disc in the cross-section plane at each end, facing backwards
       * along the sweep at the start and forwards at the end. */
      for (guint end = 0; end < 2; end++)
        {
          double alpha = end == 0 ? angle0 : angle1;
          double sweep_radius = end == 0 ? sweep_r0 : sweep_r1;
          double tube_radius = end == 0 ? tube_r0 : tube_r1;
          Vec3 radial = vec3 (cos (alpha), sin (alpha), 0);
          Vec3 tangent = vec3 (-sin (alpha), cos (alpha), 0);
          Frame cap;

          cap.origin = frame_point (frame, vec3_scale (radial, sweep_radius));
          cap.u = frame_direction (frame, AXIS_Z);
          cap.v = frame_direction (frame, radial);
          cap.w = frame_direction (frame, tangent);
          mesh_add_disc (mesh, &cap, 0, tube_radius, segments, end == 1);
        }
    }
}

/* A 90° pipe bend of centre-line radius bend_radius. */
static void
mesh_add_bend (Mesh   *mesh,
               Vec3    start,
               Vec3    incoming,
               Vec3    outgoing,
               double  bend_radius,
               double  pipe_radius)
{
  Frame frame = frame_for_bend (start, incoming, outgoing, bend_radius);

  mesh_add_sweep (mesh, &frame, 0, G_PI / 2, bend_radius, bend_radius,
                  pipe_radius, pipe_radius, 12, SEGMENTS_MEDIUM, FALSE);
}

/* A full torus around the frame's local z, e.g. a handwheel rim. */
static void
mesh_add_torus (Mesh        *mesh,
                const Frame *frame,
                double       major_radius,
                double       minor_radius)
{
  mesh_add_sweep (mesh, frame, 0, 2 * G_PI, major_radius, major_radius,
                  minor_radius, minor_radius, SEGMENTS_LARGE, SEGMENTS_SMALL, FALSE);
}

/* A pipe flange: a thick disc centred on centre, facing along axis. */
static void
mesh_add_flange (Mesh   *mesh,
                 Vec3    centre,
                 Vec3    axis,
                 double  radius,
                 double  thickness)
{
  Frame frame = frame_along (centre, axis);

  mesh_add_cylinder (mesh, &frame, -thickness / 2, thickness / 2, radius, SEGMENTS_LARGE);
}

typedef struct
{
  const char *name;
  double      grey;       /* base colour, linear, neutral */
  double      metallic;
  double      roughness;
} Material;

typedef struct _Node Node;

struct _Node
{
  char      *name;
  Vec3       origin;      /* world position of the node's origin */
  guint      material;
  Mesh      *mesh;
  GPtrArray *children;
};

static Node *
node_new (Node       *parent,
          const char *name,
          Vec3        origin,
          guint       material)
{
  Node *node = g_new0 (Node, 1);

  node->name = g_strdup (name);
  node->origin = vec3_snap (origin, POSITION_GRID);
  node->material = material;
  node->mesh = mesh_new ();
  node->children = g_ptr_array_new ();
  if (parent != NULL)
    g_ptr_array_add (parent->children, node);
  return node;
}

static void
node_free (Node *node)
{
  for (guint i = 0; i < node->children->len; i++)
    node_free (g_ptr_array_index (node->children, i));
  g_ptr_array_unref (node->children);
  mesh_free (node->mesh);
  g_free (node->name);
  g_free (node);
}

typedef struct
{
  const char     *scene_name;
  const Material *materials;
  guint           n_materials;
  Node           *root;
} Model;

/* --- pump skid ---------------------------------------------------------- */

/* A 55 kW four-pole motor (IEC frame 250M) driving an end-suction
 * centrifugal pump (DN150 suction, DN125 discharge, 315 mm impeller) on a
 * 1.6 m × 0.7 m steel skid. X runs along the shaft from the motor (-X) to
 * the pump (+X), Z is across the skid, the operator's side is +Z. */

enum
{
  PUMP_MAT_SKID,
  PUMP_MAT_BASE,
  PUMP_MAT_MOTOR,
  PUMP_MAT_MOTOR_HOUSING,
  PUMP_MAT_WINDING,
  PUMP_MAT_FAN_COVER,
  PUMP_MAT_TERMINAL_BOX,
  PUMP_MAT_COUPLING,
  PUMP_MAT_BEARING,
  PUMP_MAT_PUMP,
  PUMP_MAT_CASING,
  PUMP_MAT_PIPE,
  PUMP_MAT_VALVE,
  PUMP_MAT_FLOW_METER,
};

static const Material pump_skid_materials[] = {
  [PUMP_MAT_SKID]          = { "skid",          0.20, 0.50, 0.60 },
  [PUMP_MAT_BASE]          = { "base",          0.26, 0.50, 0.65 },
  [PUMP_MAT_MOTOR]         = { "motor",         0.30, 0.40, 0.55 },
  [PUMP_MAT_MOTOR_HOUSING] = { "motor_housing", 0.42, 0.40, 0.50 },
  [PUMP_MAT_WINDING]       = { "winding",       0.34, 0.80, 0.40 },
  [PUMP_MAT_FAN_COVER]     = { "fan_cover",     0.38, 0.40, 0.55 },
  [PUMP_MAT_TERMINAL_BOX]  = { "terminal_box",  0.50, 0.30, 0.55 },
  [PUMP_MAT_COUPLING]      = { "coupling",      0.56, 0.30, 0.50 },
  [PUMP_MAT_BEARING]       = { "bearing",       0.46, 0.60, 0.40 },
  [PUMP_MAT_PUMP]          = { "pump",          0.36, 0.50, 0.50 },
  [PUMP_MAT_CASING]        = { "casing",        0.32, 0.60, 0.55 },
  [PUMP_MAT_PIPE]          = { "pipe",          0.52, 0.70, 0.45 },
  [PUMP_MAT_VALVE]         = { "valve",         0.24, 0.50, 0.50 },
  [PUMP_MAT_FLOW_METER]    = { "flow_meter",    0.62, 0.30, 0.45 },
};

#define SKID_TOP        0.16    /* top of the deck plate */
#define SHAFT_Y         0.52    /* height of the shaft axis */
#define DISCHARGE_Z    -0.21    /* the volute's tangential outlet */
#define DISCHARGE_Y     1.10    /* the horizontal discharge run */
#define DN125_RADIUS    0.070   /* outside radius of DN125 pipe */
#define DN125_FLANGE    0.125
#define DN150_RADIUS    0.085
#define DN150_FLANGE    0.1425
#define DN200_RADIUS    0.110
#define DN200_FLANGE    0.170
#define FLANGE_THICK    0.025

/* A pressure gauge on a short stem rising from a pipe's top. */
static void
add_pressure_gauge (Mesh   *mesh,
                    Vec3    root,
                    double  stem_height)
{
  Vec3 dial = vec3_add (root, vec3 (0, stem_height, 0));
  Frame face = frame_along (dial, AXIS_Z);

  mesh_add_rod (mesh, root, dial, 0.010, SEGMENTS_SMALL);
  mesh_add_cylinder (mesh, &face, -0.015, 0.015, 0.050, SEGMENTS_MEDIUM);
}

static void
build_skid_base (Node *skid)
{
  Node *base = node_new (skid, "base", vec3 (0, 0, 0), PUMP_MAT_BASE);
  static const double cross_members[] = { -0.77, -0.40, 0.0, 0.40, 0.77 };

  /* Two longitudinal channels, cross members and a deck plate. */
  for (int side = -1; side <= 1; side += 2)
    mesh_add_block (base->mesh, -0.80, 0, side * 0.29, 0.80, 0.15, side * 0.35);
  for (guint i = 0; i < G_N_ELEMENTS (cross_members); i++)
    mesh_add_block (base->mesh, cross_members[i] - 0.03, 0.02, -0.29,
                    cross_members[i] + 0.03, 0.14, 0.29);
  mesh_add_block (base->mesh, -0.80, 0.15, -0.35, 0.80, SKID_TOP, 0.35);

  /* The skid node itself carries the four lifting lugs. */
  for (int end = -1; end <= 1; end += 2)
    for (int side = -1; side <= 1; side += 2)
      {
        Frame lug_frame = frame_along (vec3 (end * 0.70, 0.10, side * 0.36), AXIS_Z);

        mesh_add_block (skid->mesh, end * 0.70 - 0.05, 0.03, side * 0.35,
                        end * 0.70 + 0.05, 0.13, side * 0.37);
        /* The shackle eye, a ring standing proud of the lug. */
        mesh_add_frustum (skid->mesh, &lug_frame, -0.012, 0.012, 0.025, 0.025,
                          SEGMENTS_SMALL, TRUE, TRUE);
      }
}

static void
build_motor (Node *skid)
{
  Node *motor = node_new (skid, "motor", vec3 (-0.37, SHAFT_Y, 0), PUMP_MAT_MOTOR);
  Node *housing = node_new (motor, "housing", vec3 (-0.37, SHAFT_Y, 0), PUMP_MAT_MOTOR_HOUSING);
  Node *winding = node_new (motor, "winding", vec3 (-0.37, SHAFT_Y, 0), PUMP_MAT_WINDING);
  Node *fan_cover = node_new (motor, "fan_cover", vec3 (-0.69, SHAFT_Y, 0), PUMP_MAT_FAN_COVER);
  Node *terminal_box = node_new (motor, "terminal_box", vec3 (-0.36, 0.80, 0), PUMP_MAT_TERMINAL_BOX);
  Frame shaft_axis = frame_along (vec3 (0, SHAFT_Y, 0), AXIS_X);

  /* The motor node: its raised pedestal, cast feet and the shaft end. */
  mesh_add_block (motor->mesh, -0.62, SKID_TOP, -0.22, -0.14, 0.25, 0.22);
  for (int side = -1; side <= 1; side += 2)
    mesh_add_block (motor->mesh, -0.58, 0.25, side * 0.13, -0.18, 0.40, side * 0.21);
  mesh_add_cylinder (motor->mesh, &shaft_axis, -0.10, -0.02, 0.030, SEGMENTS_MEDIUM);

  /* Housing: the finned frame, the drive-end shield and bearing cap. */
  mesh_add_cylinder (housing->mesh, &shaft_axis, -0.60, -0.14, 0.22, SEGMENTS_LARGE);
  for (guint i = 0; i < 20; i++)
    {
      double angle = 2 * G_PI * i / 20;
      Vec3 radial = vec3 (0, cos (angle), sin (angle));
      Frame fin;

      /* No fins where the feet meet the frame. */
      if (cos (angle) < -0.6)
        continue;
      fin.origin = vec3 (-0.37, SHAFT_Y, 0);
      fin.u = AXIS_X;
      fin.v = radial;
      fin.w = vec3_cross (fin.u, fin.v);
      mesh_add_box (housing->mesh, &fin, vec3 (0, 0.232, 0), vec3 (0.42, 0.028, 0.008));
    }
  mesh_add_frustum (housing->mesh, &shaft_axis, -0.14, -0.09, 0.20, 0.12,
                    SEGMENTS_LARGE, FALSE, TRUE);
  mesh_add_cylinder (housing->mesh, &shaft_axis, -0.09, -0.07, 0.07, SEGMENTS_MEDIUM);

  /* Winding: stator core and the two end-turn rings, inside the housing. */
  mesh_add_cylinder (winding->mesh, &shaft_axis, -0.53, -0.21, 0.19, SEGMENTS_LARGE);
  for (int end = 0; end < 2; end++)
    {
      Frame ring = frame_along (vec3 (end == 0 ? -0.555 : -0.185, SHAFT_Y, 0), AXIS_X);

      mesh_add_torus (winding->mesh, &ring, 0.13, 0.035);
    }

  /* Fan cover with a domed, ringed air-intake grille at the end. */
  mesh_add_cylinder (fan_cover->mesh, &shaft_axis, -0.76, -0.60, 0.235, SEGMENTS_LARGE);
  mesh_add_frustum (fan_cover->mesh, &shaft_axis, -0.785, -0.76, 0.18, 0.225,
                    SEGMENTS_LARGE, TRUE, FALSE);
  for (guint i = 1; i <= 3; i++)
    {
      Frame ring = frame_along (vec3 (-0.787, SHAFT_Y, 0), AXIS_X);

      mesh_add_torus (fan_cover->mesh, &ring, 0.045 * i, 0.006);
    }

  /* Terminal box on top, with its lid and two cable glands. */
  mesh_add_block (terminal_box->mesh, -0.47, 0.72, -0.13, -0.25, 0.86, 0.13);
  mesh_add_block (terminal_box->mesh, -0.48, 0.86, -0.14, -0.24, 0.88, 0.14);
  for (int i = 0; i < 2; i++)
    mesh_add_rod (terminal_box->mesh, vec3 (-0.40 + 0.08 * i, 0.78, 0.13),
                  vec3 (-0.40 + 0.08 * i, 0.78, 0.17), 0.018, SEGMENTS_SMALL);
}

static void
build_coupling (Node *skid)
{
  Node *coupling = node_new (skid, "coupling", vec3 (0, SHAFT_Y, 0), PUMP_MAT_COUPLING);
  Frame shaft_axis = frame_along (vec3 (0, SHAFT_Y, 0), AXIS_X);

  /* Flexible jaw coupling: two hubs and the elastomer spider... */
  mesh_add_cylinder (coupling->mesh, &shaft_axis, -0.06, -0.008, 0.075, SEGMENTS_MEDIUM);
  mesh_add_cylinder (coupling->mesh, &shaft_axis, -0.008, 0.008, 0.060, SEGMENTS_MEDIUM);
  mesh_add_cylinder (coupling->mesh, &shaft_axis, 0.008, 0.06, 0.075, SEGMENTS_MEDIUM);

  /* ...inside a sheet-metal guard: top, front and back plates. */
  mesh_add_block (coupling->mesh, -0.065, 0.66, -0.12, 0.085, 0.67, 0.12);
  for (int side = -1; side <= 1; side += 2)
    mesh_add_block (coupling->mesh, -0.065, SKID_TOP, side * 0.11,
                    0.085, 0.66, side * 0.12);
}

static void
build_pump (Node *skid)
{
  Node *pump = node_new (skid, "pump", vec3 (0.30, SHAFT_Y, 0), PUMP_MAT_PUMP);
  Node *bearing_de = node_new (skid, "bearing_de", vec3 (0.135, SHAFT_Y, 0), PUMP_MAT_BEARING);
  Node *bearing_nde = node_new (skid, "bearing_nde", vec3 (0.385, SHAFT_Y, 0), PUMP_MAT_BEARING);
  Node *casing = node_new (pump, "casing", vec3 (0.555, SHAFT_Y, 0), PUMP_MAT_CASING);
  Frame shaft_axis = frame_along (vec3 (0, SHAFT_Y, 0), AXIS_X);
  Frame volute;
  Node *bearings[2] = { bearing_de, bearing_nde };

  /* Pump node: bearing frame, its support foot, the shaft between coupling
   * and frame, and the adapter that carries the casing. */
  mesh_add_cylinder (pump->mesh, &shaft_axis, 0.09, 0.44, 0.085, SEGMENTS_LARGE);
  mesh_add_cylinder (pump->mesh, &shaft_axis, 0.02, 0.10, 0.030, SEGMENTS_MEDIUM);
  mesh_add_block (pump->mesh, 0.22, 0.19, -0.10, 0.34, 0.46, 0.10);
  mesh_add_block (pump->mesh, 0.20, SKID_TOP, -0.16, 0.36, 0.19, 0.16);
  mesh_add_frustum (pump->mesh, &shaft_axis, 0.44, 0.48, 0.09, 0.17,
                    SEGMENTS_LARGE, FALSE, FALSE);

  /* Bearing housings: drive end at the coupling, non-drive end next to
   * the casing. Each has an end cover and a grease nipple on top. */
  for (guint i = 0; i < G_N_ELEMENTS (bearings); i++)
    {
      double centre = bearings[i]->origin.x;
      Mesh *mesh = bearings[i]->mesh;

      mesh_add_cylinder (mesh, &shaft_axis, centre - 0.035, centre + 0.035, 0.115, SEGMENTS_LARGE);
      mesh_add_cylinder (mesh, &shaft_axis, centre - 0.05, centre - 0.035, 0.06, SEGMENTS_MEDIUM);
      mesh_add_rod (mesh, vec3 (centre, SHAFT_Y + 0.11, 0), vec3 (centre, SHAFT_Y + 0.14, 0),
                    0.008, SEGMENTS_SMALL);
    }

  /* Casing: back cover, impeller chamber, the volute spiral whose section
   * grows towards the tangential outlet, the front cover, suction and
   * discharge nozzles with flanges, and a foot. The volute's frame has
   * local x towards -Z and local y up, so the spiral ends at z = -0.21
   * heading straight up into the discharge nozzle. */
  mesh_add_cylinder (casing->mesh, &shaft_axis, 0.48, 0.50, 0.21, SEGMENTS_LARGE);
  mesh_add_cylinder (casing->mesh, &shaft_axis, 0.49, 0.62, 0.18, SEGMENTS_LARGE);
  volute.origin = vec3 (0.555, SHAFT_Y, 0);
  volute.u = vec3 (0, 0, -1);
  volute.v = AXIS_Y;
  volute.w = AXIS_X;
  mesh_add_sweep (casing->mesh, &volute, 0.3, 2 * G_PI, 0.17, -DISCHARGE_Z,
                  0.035, DN125_RADIUS, 64, SEGMENTS_MEDIUM, TRUE);
  mesh_add_frustum (casing->mesh, &shaft_axis, 0.62, 0.66, 0.18, 0.11,
                    SEGMENTS_LARGE, FALSE, TRUE);
  mesh_add_cylinder (casing->mesh, &shaft_axis, 0.64, 0.745, DN150_RADIUS, SEGMENTS_LARGE);
  mesh_add_flange (casing->mesh, vec3 (0.7325, SHAFT_Y, 0), AXIS_X, DN150_FLANGE, FLANGE_THICK);
  mesh_add_rod (casing->mesh, vec3 (0.555, SHAFT_Y, DISCHARGE_Z),
                vec3 (0.555, 0.885, DISCHARGE_Z), DN125_RADIUS, SEGMENTS_LARGE);
  mesh_add_flange (casing->mesh, vec3 (0.555, 0.8725, DISCHARGE_Z), AXIS_Y, DN125_FLANGE, FLANGE_THICK);
  mesh_add_block (casing->mesh, 0.50, SKID_TOP, -0.12, 0.61, 0.26, 0.12);
}

static void
build_piping (Node *skid)
{
  Node *suction = node_new (skid, "suction_pipe", vec3 (0.82, SHAFT_Y, 0), PUMP_MAT_PIPE);
  Node *discharge = node_new (skid, "discharge_pipe", vec3 (0.555, 0.95, DISCHARGE_Z), PUMP_MAT_PIPE);
  Node *valve = node_new (skid, "valve", vec3 (-0.30, DISCHARGE_Y, DISCHARGE_Z), PUMP_MAT_VALVE);
  Node *flow_meter = node_new (skid, "flow_meter", vec3 (0.08, DISCHARGE_Y, DISCHARGE_Z), PUMP_MAT_FLOW_METER);
  Frame shaft_axis = frame_along (vec3 (0, SHAFT_Y, 0), AXIS_X);
  Frame run = frame_along (vec3 (0, DISCHARGE_Y, DISCHARGE_Z), AXIS_X);
  Frame valve_stem = frame_along (vec3 (-0.30, 0, DISCHARGE_Z), AXIS_Y);
  Frame display = frame_along (vec3 (0.08, 1.34, -0.15), AXIS_Z);

  /* Suction: the mating flange, a concentric reducer from the DN200
   * supply line down to the pump's DN150 inlet, the supply flange and a
   * pressure gauge. */
  mesh_add_flange (suction->mesh, vec3 (0.7575, SHAFT_Y, 0), AXIS_X, DN150_FLANGE, FLANGE_THICK);
  mesh_add_frustum (suction->mesh, &shaft_axis, 0.77, 0.88, DN150_RADIUS, DN200_RADIUS,
                    SEGMENTS_LARGE, TRUE, TRUE);
  mesh_add_flange (suction->mesh, vec3 (0.8925, SHAFT_Y, 0), AXIS_X, DN200_FLANGE, FLANGE_THICK);
  add_pressure_gauge (suction->mesh, vec3 (0.83, SHAFT_Y + 0.09, 0), 0.10);

  /* Discharge: the mating flange on the pump's nozzle, a long-radius bend
   * over to a horizontal run back along the skid through the flow meter
   * and the valve, the outlet flange, a gauge and a pipe support. */
  mesh_add_flange (discharge->mesh, vec3 (0.555, 0.8975, DISCHARGE_Z), AXIS_Y, DN125_FLANGE, FLANGE_THICK);
  mesh_add_bend (discharge->mesh, vec3 (0.555, 0.91, DISCHARGE_Z), AXIS_Y, vec3 (-1, 0, 0),
                 0.19, DN125_RADIUS);
  mesh_add_cylinder (discharge->mesh, &run, 0.23, 0.365, DN125_RADIUS, SEGMENTS_LARGE);
  mesh_add_cylinder (discharge->mesh, &run, -0.25, -0.07, DN125_RADIUS, SEGMENTS_LARGE);
  mesh_add_cylinder (discharge->mesh, &run, -0.70, -0.35, DN125_RADIUS, SEGMENTS_LARGE);
  mesh_add_flange (discharge->mesh, vec3 (-0.7125, DISCHARGE_Y, DISCHARGE_Z), AXIS_X,
                   DN125_FLANGE, FLANGE_THICK);
  add_pressure_gauge (discharge->mesh, vec3 (0.30, DISCHARGE_Y + 0.06, DISCHARGE_Z), 0.10);
  mesh_add_rod (discharge->mesh, vec3 (0.08, SKID_TOP, DISCHARGE_Z),
                vec3 (0.08, 0.97, DISCHARGE_Z), 0.03, SEGMENTS_MEDIUM);
  mesh_add_block (discharge->mesh, 0.02, SKID_TOP, DISCHARGE_Z - 0.06,
                  0.14, SKID_TOP + 0.01, DISCHARGE_Z + 0.06);
  mesh_add_block (discharge->mesh, 0.02, 0.97, DISCHARGE_Z - 0.06,
                  0.14, 0.99, DISCHARGE_Z + 0.06);

  /* Electromagnetic flow meter: flanged spool, a larger body and the
   * transmitter head on a neck, its display facing the operator. */
  for (int end = 0; end < 2; end++)
    mesh_add_flange (flow_meter->mesh, vec3 (end == 0 ? -0.0575 : 0.2175, DISCHARGE_Y, DISCHARGE_Z),
                     AXIS_X, DN125_FLANGE, FLANGE_THICK);
  mesh_add_cylinder (flow_meter->mesh, &run, -0.045, 0.205, 0.11, SEGMENTS_LARGE);
  mesh_add_rod (flow_meter->mesh, vec3 (0.08, DISCHARGE_Y + 0.10, DISCHARGE_Z),
                vec3 (0.08, 1.28, DISCHARGE_Z), 0.03, SEGMENTS_MEDIUM);
  mesh_add_block (flow_meter->mesh, 0.02, 1.28, DISCHARGE_Z - 0.06, 0.14, 1.40, DISCHARGE_Z + 0.06);
  mesh_add_cylinder (flow_meter->mesh, &display, 0, 0.01, 0.035, SEGMENTS_MEDIUM);

  /* Butterfly valve: wafer body between flanges, stem, gear operator and
   * handwheel. */
  for (int end = 0; end < 2; end++)
    mesh_add_flange (valve->mesh, vec3 (end == 0 ? -0.3375 : -0.2625, DISCHARGE_Y, DISCHARGE_Z),
                     AXIS_X, DN125_FLANGE, FLANGE_THICK);
  mesh_add_cylinder (valve->mesh, &run, -0.325, -0.275, 0.10, SEGMENTS_LARGE);
  mesh_add_cylinder (valve->mesh, &valve_stem, DISCHARGE_Y + 0.09, 1.30, 0.025, SEGMENTS_SMALL);
  mesh_add_block (valve->mesh, -0.38, 1.30, DISCHARGE_Z - 0.08, -0.22, 1.42, DISCHARGE_Z + 0.08);
  mesh_add_cylinder (valve->mesh, &valve_stem, 1.42, 1.45, 0.02, SEGMENTS_SMALL);
  {
    Frame wheel = frame_along (vec3 (-0.30, 1.45, DISCHARGE_Z), AXIS_Y);

    mesh_add_torus (valve->mesh, &wheel, 0.09, 0.01);
    for (int spoke = 0; spoke < 3; spoke++)
      {
        double angle = 2 * G_PI * spoke / 3;

        mesh_add_rod (valve->mesh, vec3 (-0.30, 1.45, DISCHARGE_Z),
                      vec3 (-0.30 + 0.085 * cos (angle), 1.45, DISCHARGE_Z + 0.085 * sin (angle)),
                      0.006, SEGMENTS_SMALL);
      }
  }
}

static Model *
build_pump_skid (void)
{
  Model *model = g_new0 (Model, 1);

  model->scene_name = "pump-skid";
  model->materials = pump_skid_materials;
  model->n_materials = G_N_ELEMENTS (pump_skid_materials);
  model->root = node_new (NULL, "skid", vec3 (0, 0, 0), PUMP_MAT_SKID);

  build_skid_base (model->root);
  build_motor (model->root);
  build_coupling (model->root);
  build_pump (model->root);
  build_piping (model->root);
  return model;
}

/* --- battery rack ------------------------------------------------------- */

/* A liquid-cooled 19-inch-style battery rack, 0.7 m wide, 0.8 m deep and
 * 2 m tall: 16 modules in two columns of eight, the BMS and switchgear box
 * at the top, the DC busbars down the front centre, and the coolant
 * manifolds up the sides (inlet right, outlet left). X is across the
 * front, Z points out of the front. */

enum
{
  RACK_MAT_RACK,
  RACK_MAT_FRAME,
  RACK_MAT_BMS,
  RACK_MAT_BUSBAR,
  RACK_MAT_COOLANT_INLET,
  RACK_MAT_COOLANT_OUTLET,
  RACK_MAT_MODULE,
};

static const Material battery_rack_materials[] = {
  [RACK_MAT_RACK]           = { "rack",           0.18, 0.50, 0.60 },
  [RACK_MAT_FRAME]          = { "frame",          0.28, 0.60, 0.55 },
  [RACK_MAT_BMS]            = { "bms",            0.40, 0.30, 0.50 },
  [RACK_MAT_BUSBAR]         = { "busbar",         0.70, 0.90, 0.30 },
  [RACK_MAT_COOLANT_INLET]  = { "coolant_inlet",  0.54, 0.60, 0.40 },
  [RACK_MAT_COOLANT_OUTLET] = { "coolant_outlet", 0.48, 0.60, 0.40 },
  [RACK_MAT_MODULE]         = { "module",         0.60, 0.20, 0.60 },
};

#define RACK_HALF_WIDTH  0.35
#define RACK_HALF_DEPTH  0.40
#define RACK_TOP         2.00
#define MODULE_BOTTOM    0.16   /* bottom of the lowest row */
#define MODULE_PITCH     0.19
#define MODULE_HEIGHT    0.17
#define MODULE_INNER_X   0.03   /* columns leave a gap for the busbars */
#define MODULE_OUTER_X   0.30
#define MODULE_HALF_DEPTH 0.31
#define MODULE_ROWS      8
#define COOLANT_X        0.38
#define COOLANT_Z       -0.20
#define COOLANT_RADIUS   0.020

/* Rows count from the top, so module_01 is top left seen from the front. */
static double
module_row_bottom (guint row)
{
  return MODULE_BOTTOM + (MODULE_ROWS - 1 - row) * MODULE_PITCH;
}

static void
build_rack_frame (Node *rack)
{
  Node *frame = node_new (rack, "frame", vec3 (0, RACK_TOP / 2, 0), RACK_MAT_FRAME);
  double post = 0.04;

  /* The rack node: plinth and levelling feet. */
  mesh_add_block (rack->mesh, -RACK_HALF_WIDTH, 0.03, -RACK_HALF_DEPTH,
                  RACK_HALF_WIDTH, 0.10, RACK_HALF_DEPTH);
  for (int x = -1; x <= 1; x += 2)
    for (int z = -1; z <= 1; z += 2)
      mesh_add_rod (rack->mesh, vec3 (x * 0.30, 0, z * 0.35), vec3 (x * 0.30, 0.03, z * 0.35),
                    0.025, SEGMENTS_SMALL);

  /* Corner posts, top and bottom rings, a roof panel. */
  for (int x = -1; x <= 1; x += 2)
    for (int z = -1; z <= 1; z += 2)
      mesh_add_block (frame->mesh,
                      x * RACK_HALF_WIDTH, 0.10, z * RACK_HALF_DEPTH,
                      x * (RACK_HALF_WIDTH - post), RACK_TOP, z * (RACK_HALF_DEPTH - post));
  for (int level = 0; level < 2; level++)
    {
      double y0 = level == 0 ? 0.10 : RACK_TOP - 0.05;

      for (int z = -1; z <= 1; z += 2)
        mesh_add_block (frame->mesh, -RACK_HALF_WIDTH + post, y0, z * RACK_HALF_DEPTH,
                        RACK_HALF_WIDTH - post, y0 + 0.04, z * (RACK_HALF_DEPTH - post));
      for (int x = -1; x <= 1; x += 2)
        mesh_add_block (frame->mesh, x * RACK_HALF_WIDTH, y0, -RACK_HALF_DEPTH + post,
                        x * (RACK_HALF_WIDTH - post), y0 + 0.04, RACK_HALF_DEPTH - post);
    }
  mesh_add_block (frame->mesh, -RACK_HALF_WIDTH, RACK_TOP, -RACK_HALF_DEPTH,
                  RACK_HALF_WIDTH, RACK_TOP + 0.01, RACK_HALF_DEPTH);

  /* Slide rails under each module's edges, fixed to front and rear
   * cross-bars at every row. */
  for (guint row = 0; row < MODULE_ROWS; row++)
    {
      double y = module_row_bottom (row);

      for (int z = -1; z <= 1; z += 2)
        mesh_add_block (frame->mesh, -RACK_HALF_WIDTH + post, y - 0.03, z * (RACK_HALF_DEPTH - post),
                        RACK_HALF_WIDTH - post, y - 0.01, z * (RACK_HALF_DEPTH - post - 0.02));
      for (int column = -1; column <= 1; column += 2)
        for (int edge = 0; edge < 2; edge++)
          {
            double x = column * (edge == 0 ? MODULE_INNER_X : MODULE_OUTER_X);

            mesh_add_block (frame->mesh, x - 0.01, y - 0.01, -(RACK_HALF_DEPTH - post - 0.02),
                            x + 0.01, y, RACK_HALF_DEPTH - post - 0.02);
          }
    }
}

static void
build_rack_modules (Node *rack)
{
  for (guint index = 0; index < 2 * MODULE_ROWS; index++)
    {
      g_autofree char *name = g_strdup_printf ("module_%02u", index + 1);
      guint row = index / 2;
      int column = index % 2 == 0 ? -1 : 1;
      double y0 = module_row_bottom (row);
      double x_inner = column * MODULE_INNER_X;
      double x_outer = column * MODULE_OUTER_X;
      double centre_x = (x_inner + x_outer) / 2;
      Node *module = node_new (rack, name, vec3 (centre_x, y0 + MODULE_HEIGHT / 2, 0),
                               RACK_MAT_MODULE);
      double front = MODULE_HALF_DEPTH;

      mesh_add_block (module->mesh, x_inner, y0, -MODULE_HALF_DEPTH,
                      x_outer, y0 + MODULE_HEIGHT, MODULE_HALF_DEPTH);
      /* Front panel: two pull handles at the outer edges, the DC terminals
       * near the busbars and a status lamp. */
      for (int handle = 0; handle < 2; handle++)
        {
          double x = handle == 0 ? x_outer - column * 0.025 : centre_x;

          mesh_add_block (module->mesh, x - 0.008, y0 + 0.035, front,
                          x + 0.008, y0 + MODULE_HEIGHT - 0.035, front + 0.03);
        }
      for (int terminal = 0; terminal < 2; terminal++)
        mesh_add_rod (module->mesh,
                      vec3 (x_inner + column * 0.03, y0 + 0.05 + 0.07 * terminal, front),
                      vec3 (x_inner + column * 0.03, y0 + 0.05 + 0.07 * terminal, front + 0.015),
                      0.012, SEGMENTS_SMALL);
      mesh_add_rod (module->mesh, vec3 (centre_x - column * 0.05, y0 + 0.13, front),
                    vec3 (centre_x - column * 0.05, y0 + 0.13, front + 0.006),
                    0.006, SEGMENTS_SMALL);
    }
}

static void
build_rack_bms_and_busbar (Node *rack)
{
  Node *bms = node_new (rack, "bms", vec3 (0, 1.81, 0), RACK_MAT_BMS);
  Node *busbar = node_new (rack, "busbar", vec3 (0, 0.95, MODULE_HALF_DEPTH + 0.02), RACK_MAT_BUSBAR);
  double front = MODULE_HALF_DEPTH;

  /* BMS and switchgear: the enclosure, a display, the main disconnect
   * handle, two status lamps and the DC output connectors. */
  mesh_add_block (bms->mesh, -MODULE_OUTER_X, 1.72, -MODULE_HALF_DEPTH,
                  MODULE_OUTER_X, 1.92, MODULE_HALF_DEPTH);
  mesh_add_block (bms->mesh, -0.22, 1.79, front, -0.06, 1.87, front + 0.005);
  mesh_add_rod (bms->mesh, vec3 (0.16, 1.82, front), vec3 (0.16, 1.82, front + 0.03),
                0.035, SEGMENTS_MEDIUM);
  mesh_add_block (bms->mesh, 0.15, 1.77, front + 0.03, 0.17, 1.87, front + 0.05);
  for (int lamp = 0; lamp < 2; lamp++)
    mesh_add_rod (bms->mesh, vec3 (-0.02 + 0.04 * lamp, 1.86, front),
                  vec3 (-0.02 + 0.04 * lamp, 1.86, front + 0.008), 0.008, SEGMENTS_SMALL);
  for (int pole = -1; pole <= 1; pole += 2)
    mesh_add_rod (bms->mesh, vec3 (pole * 0.05, 1.76, front), vec3 (pole * 0.05, 1.76, front + 0.04),
                  0.018, SEGMENTS_SMALL);

  /* Busbars: a positive and a negative bar down the gap between the
   * columns, rising into the BMS, with a link to every module terminal. */
  for (int pole = -1; pole <= 1; pole += 2)
    mesh_add_block (busbar->mesh, pole * 0.006, MODULE_BOTTOM, front + 0.012,
                    pole * 0.022, 1.72, front + 0.028);
  for (guint index = 0; index < 2 * MODULE_ROWS; index++)
    {
      int column = index % 2 == 0 ? -1 : 1;
      double y = module_row_bottom (index / 2) + 0.05 + 0.07 * (index / 2 % 2);

      mesh_add_block (busbar->mesh, column * 0.022, y - 0.008, front + 0.015,
                      column * (MODULE_INNER_X + 0.03), y + 0.008, front + 0.022);
    }
}

/* A coolant manifold up one side: the supply line comes in from behind at
 * floor level (inlet) or leaves backwards at the top (outlet); a branch
 * hose to every module of the adjacent column. */
static void
build_coolant_manifold (Node     *rack,
                        gboolean  inlet)
{
  int side = inlet ? 1 : -1;
  double x = side * COOLANT_X;
  double bottom = inlet ? 0.12 : MODULE_BOTTOM;
  double top = 1.68;
  Node *node = node_new (rack, inlet ? "coolant_inlet" : "coolant_outlet",
                         vec3 (x, (bottom + top) / 2, COOLANT_Z),
                         inlet ? RACK_MAT_COOLANT_INLET : RACK_MAT_COOLANT_OUTLET);
  double connection_y = inlet ? 0.06 : top + 0.06;
  double bend = 0.06;

  mesh_add_rod (node->mesh, vec3 (x, bottom, COOLANT_Z), vec3 (x, top, COOLANT_Z),
                COOLANT_RADIUS, SEGMENTS_MEDIUM);
  if (inlet)
    mesh_add_bend (node->mesh, vec3 (x, connection_y, COOLANT_Z - bend), AXIS_Z, AXIS_Y,
                   bend, COOLANT_RADIUS);
  else
    mesh_add_bend (node->mesh, vec3 (x, top, COOLANT_Z), AXIS_Y, vec3 (0, 0, -1),
                   bend, COOLANT_RADIUS);
  mesh_add_rod (node->mesh, vec3 (x, connection_y, COOLANT_Z - bend),
                vec3 (x, connection_y, -0.46), COOLANT_RADIUS, SEGMENTS_MEDIUM);
  /* The dry-break quick coupling where the facility line connects. */
  mesh_add_rod (node->mesh, vec3 (x, connection_y, -0.46), vec3 (x, connection_y, -0.50),
                0.03, SEGMENTS_MEDIUM);

  for (guint row = 0; row < MODULE_ROWS; row++)
    {
      double y = module_row_bottom (row) + MODULE_HEIGHT / 2;

      mesh_add_rod (node->mesh, vec3 (x, y, COOLANT_Z), vec3 (side * MODULE_OUTER_X, y, COOLANT_Z),
                    0.008, SEGMENTS_SMALL);
      mesh_add_rod (node->mesh, vec3 (side * (MODULE_OUTER_X + 0.02), y, COOLANT_Z),
                    vec3 (side * MODULE_OUTER_X, y, COOLANT_Z), 0.013, SEGMENTS_SMALL);
    }
}

static Model *
build_battery_rack (void)
{
  Model *model = g_new0 (Model, 1);

  model->scene_name = "battery-rack";
  model->materials = battery_rack_materials;
  model->n_materials = G_N_ELEMENTS (battery_rack_materials);
  model->root = node_new (NULL, "rack", vec3 (0, 0, 0), RACK_MAT_RACK);

  build_rack_frame (model->root);
  build_rack_bms_and_busbar (model->root);
  build_coolant_manifold (model->root, TRUE);
  build_coolant_manifold (model->root, FALSE);
  build_rack_modules (model->root);
  return model;
}

static void
model_free (Model *model)
{
  node_free (model->root);
  g_free (model);
}

/* --- glTF writer -------------------------------------------------------- */

typedef struct
{
  JsonBuilder *nodes;
  JsonBuilder *meshes;
  JsonBuilder *accessors;
  JsonBuilder *buffer_views;
  GByteArray  *buffer;
  guint        n_accessors;
} GltfWriter;

static void
buffer_align (GByteArray *buffer)
{
  static const guint8 zeros[4] = { 0 };

  if (buffer->len % 4 != 0)
    g_byte_array_append (buffer, zeros, 4 - buffer->len % 4);
}

static void
buffer_append_float (GByteArray *buffer,
                     float       value)
{
  guint32 bits;

  memcpy (&bits, &value, sizeof bits);
  bits = GUINT32_TO_LE (bits);
  g_byte_array_append (buffer, (const guint8 *) &bits, sizeof bits);
}

/* One buffer view per accessor keeps the layout obvious to a reader. */
static void
writer_add_buffer_view (GltfWriter *writer,
                        guint       offset,
                        guint       length,
                        guint       target)
{
  json_builder_begin_object (writer->buffer_views);
  json_builder_set_member_name (writer->buffer_views, "buffer");
  json_builder_add_int_value (writer->buffer_views, 0);
  json_builder_set_member_name (writer->buffer_views, "byteOffset");
  json_builder_add_int_value (writer->buffer_views, offset);
  json_builder_set_member_name (writer->buffer_views, "byteLength");
  json_builder_add_int_value (writer->buffer_views, length);
  json_builder_set_member_name (writer->buffer_views, "target");
  json_builder_add_int_value (writer->buffer_views, target);
  json_builder_end_object (writer->buffer_views);
}

static void
add_vec3_array (JsonBuilder *builder,
                Vec3         value)
{
  json_builder_begin_array (builder);
  json_builder_add_double_value (builder, value.x);
  json_builder_add_double_value (builder, value.y);
  json_builder_add_double_value (builder, value.z);
  json_builder_end_array (builder);
}

static guint
writer_add_vec3_accessor (GltfWriter *writer,
                          GArray     *values,
                          Vec3        offset,
                          gboolean    with_bounds)
{
  guint start = writer->buffer->len;
  Vec3 min = { G_MAXDOUBLE, G_MAXDOUBLE, G_MAXDOUBLE };
  Vec3 max = { -G_MAXDOUBLE, -G_MAXDOUBLE, -G_MAXDOUBLE };

  for (guint i = 0; i < values->len; i++)
    {
      Vec3 value = vec3_sub (g_array_index (values, Vec3, i), offset);

      /* Both operands lie on the grid, so the difference and its float
       * are exact and the bounds below match the data bit for bit. */
      buffer_append_float (writer->buffer, value.x);
      buffer_append_float (writer->buffer, value.y);
      buffer_append_float (writer->buffer, value.z);
      min = vec3 (MIN (min.x, value.x), MIN (min.y, value.y), MIN (min.z, value.z));
      max = vec3 (MAX (max.x, value.x), MAX (max.y, value.y), MAX (max.z, value.z));
    }

  writer_add_buffer_view (writer, start, writer->buffer->len - start, GLTF_ARRAY_BUFFER);

  json_builder_begin_object (writer->accessors);
  json_builder_set_member_name (writer->accessors, "bufferView");
  json_builder_add_int_value (writer->accessors, writer->n_accessors);
  json_builder_set_member_name (writer->accessors, "componentType");
  json_builder_add_int_value (writer->accessors, GLTF_FLOAT);
  json_builder_set_member_name (writer->accessors, "count");
  json_builder_add_int_value (writer->accessors, values->len);
  json_builder_set_member_name (writer->accessors, "type");
  json_builder_add_string_value (writer->accessors, "VEC3");
  if (with_bounds)
    {
      json_builder_set_member_name (writer->accessors, "min");
      add_vec3_array (writer->accessors, min);
      json_builder_set_member_name (writer->accessors, "max");
      add_vec3_array (writer->accessors, max);
    }
  json_builder_end_object (writer->accessors);

  return writer->n_accessors++;
}

static guint
writer_add_index_accessor (GltfWriter *writer,
                           GArray     *indices,
                           guint       n_vertices)
{
  guint start = writer->buffer->len;
  gboolean narrow = n_vertices <= G_MAXUINT16;

  for (guint i = 0; i < indices->len; i++)
    {
      guint32 index = g_array_index (indices, guint32, i);

      if (narrow)
        {
          guint16 le = GUINT16_TO_LE ((guint16) index);

          g_byte_array_append (writer->buffer, (const guint8 *) &le, sizeof le);
        }
      else
        {
          guint32 le = GUINT32_TO_LE (index);

          g_byte_array_append (writer->buffer, (const guint8 *) &le, sizeof le);
        }
    }

  writer_add_buffer_view (writer, start, writer->buffer->len - start, GLTF_ELEMENT_ARRAY);
  /* The next vertex data must start on a 4-byte boundary. */
  buffer_align (writer->buffer);

  json_builder_begin_object (writer->accessors);
  json_builder_set_member_name (writer->accessors, "bufferView");
  json_builder_add_int_value (writer->accessors, writer->n_accessors);
  json_builder_set_member_name (writer->accessors, "componentType");
  json_builder_add_int_value (writer->accessors, narrow ? GLTF_UNSIGNED_SHORT : GLTF_UNSIGNED_INT);
  json_builder_set_member_name (writer->accessors, "count");
  json_builder_add_int_value (writer->accessors, indices->len);
  json_builder_set_member_name (writer->accessors, "type");
  json_builder_add_string_value (writer->accessors, "SCALAR");
  json_builder_end_object (writer->accessors);

  return writer->n_accessors++;
}

static void
flatten_nodes (Node       *node,
               GPtrArray  *order,
               GHashTable *indices)
{
  g_hash_table_insert (indices, node, GUINT_TO_POINTER (order->len));
  g_ptr_array_add (order, node);
  for (guint i = 0; i < node->children->len; i++)
    flatten_nodes (g_ptr_array_index (node->children, i), order, indices);
}

static void
writer_add_mesh (GltfWriter *writer,
                 const Node *node)
{
  guint position, normal, indices;

  g_assert (node->mesh->indices->len > 0);

  position = writer_add_vec3_accessor (writer, node->mesh->positions, node->origin, TRUE);
  normal = writer_add_vec3_accessor (writer, node->mesh->normals, vec3 (0, 0, 0), FALSE);
  indices = writer_add_index_accessor (writer, node->mesh->indices, node->mesh->positions->len);

  json_builder_begin_object (writer->meshes);
  json_builder_set_member_name (writer->meshes, "name");
  json_builder_add_string_value (writer->meshes, node->name);
  json_builder_set_member_name (writer->meshes, "primitives");
  json_builder_begin_array (writer->meshes);
  json_builder_begin_object (writer->meshes);
  json_builder_set_member_name (writer->meshes, "attributes");
  json_builder_begin_object (writer->meshes);
  json_builder_set_member_name (writer->meshes, "POSITION");
  json_builder_add_int_value (writer->meshes, position);
  json_builder_set_member_name (writer->meshes, "NORMAL");
  json_builder_add_int_value (writer->meshes, normal);
  json_builder_end_object (writer->meshes);
  json_builder_set_member_name (writer->meshes, "indices");
  json_builder_add_int_value (writer->meshes, indices);
  json_builder_set_member_name (writer->meshes, "material");
  json_builder_add_int_value (writer->meshes, node->material);
  json_builder_set_member_name (writer->meshes, "mode");
  json_builder_add_int_value (writer->meshes, GLTF_MODE_TRIANGLES);
  json_builder_end_object (writer->meshes);
  json_builder_end_array (writer->meshes);
  json_builder_end_object (writer->meshes);
}

/* Node i uses mesh i; its translation is relative to its parent, whose
 * origin is given. */
static void
writer_add_node (GltfWriter *writer,
                 const Node *node,
                 guint       index,
                 Vec3        parent_origin,
                 GHashTable *indices)
{
  Vec3 translation = vec3_sub (node->origin, parent_origin);

  json_builder_begin_object (writer->nodes);
  json_builder_set_member_name (writer->nodes, "name");
  json_builder_add_string_value (writer->nodes, node->name);
  json_builder_set_member_name (writer->nodes, "mesh");
  json_builder_add_int_value (writer->nodes, index);
  if (translation.x != 0 || translation.y != 0 || translation.z != 0)
    {
      json_builder_set_member_name (writer->nodes, "translation");
      add_vec3_array (writer->nodes, translation);
    }
  if (node->children->len > 0)
    {
      json_builder_set_member_name (writer->nodes, "children");
      json_builder_begin_array (writer->nodes);
      for (guint i = 0; i < node->children->len; i++)
        json_builder_add_int_value (writer->nodes,
                                    GPOINTER_TO_UINT (g_hash_table_lookup (indices,
                                                                           g_ptr_array_index (node->children, i))));
      json_builder_end_array (writer->nodes);
    }
  json_builder_end_object (writer->nodes);
}

static void
add_materials (JsonBuilder *builder,
               const Model *model)
{
  json_builder_begin_array (builder);
  for (guint i = 0; i < model->n_materials; i++)
    {
      const Material *material = &model->materials[i];
      /* Snapped to 1/256 so the JSON shows short exact numbers. */
      double grey = snap (material->grey, 256);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, material->name);
      json_builder_set_member_name (builder, "pbrMetallicRoughness");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "baseColorFactor");
      json_builder_begin_array (builder);
      json_builder_add_double_value (builder, grey);
      json_builder_add_double_value (builder, grey);
      json_builder_add_double_value (builder, grey);
      json_builder_add_double_value (builder, 1.0);
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "metallicFactor");
      json_builder_add_double_value (builder, snap (material->metallic, 256));
      json_builder_set_member_name (builder, "roughnessFactor");
      json_builder_add_double_value (builder, snap (material->roughness, 256));
      json_builder_end_object (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

static gboolean
write_gltf (const Model  *model,
            const char   *path,
            GError      **error)
{
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  g_autoptr(GHashTable) indices = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) parents = g_hash_table_new (NULL, NULL);
  g_autoptr(JsonBuilder) document = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *base64 = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *json = NULL;
  g_autofree char *text = NULL;
  GltfWriter writer = { 0 };

  writer.nodes = json_builder_new ();
  writer.meshes = json_builder_new ();
  writer.accessors = json_builder_new ();
  writer.buffer_views = json_builder_new ();
  writer.buffer = g_byte_array_new ();
  json_builder_begin_array (writer.nodes);
  json_builder_begin_array (writer.meshes);
  json_builder_begin_array (writer.accessors);
  json_builder_begin_array (writer.buffer_views);

  flatten_nodes (model->root, order, indices);
  for (guint i = 0; i < order->len; i++)
    {
      Node *node = g_ptr_array_index (order, i);

      for (guint c = 0; c < node->children->len; c++)
        g_hash_table_insert (parents, g_ptr_array_index (node->children, c), node);
    }

  for (guint i = 0; i < order->len; i++)
    {
      const Node *node = g_ptr_array_index (order, i);
      const Node *parent = g_hash_table_lookup (parents, node);

      writer_add_node (&writer, node, i, parent != NULL ? parent->origin : vec3 (0, 0, 0), indices);
      writer_add_mesh (&writer, node);
    }

  json_builder_end_array (writer.nodes);
  json_builder_end_array (writer.meshes);
  json_builder_end_array (writer.accessors);
  json_builder_end_array (writer.buffer_views);

  base64 = g_base64_encode (writer.buffer->data, writer.buffer->len);
  uri = g_strconcat ("data:application/octet-stream;base64,", base64, NULL);

  json_builder_begin_object (document);
  json_builder_set_member_name (document, "asset");
  json_builder_begin_object (document);
  json_builder_set_member_name (document, "version");
  json_builder_add_string_value (document, "2.0");
  json_builder_set_member_name (document, "generator");
  json_builder_add_string_value (document, "mimic-geometry-generator");
  json_builder_end_object (document);
  json_builder_set_member_name (document, "scene");
  json_builder_add_int_value (document, 0);
  json_builder_set_member_name (document, "scenes");
  json_builder_begin_array (document);
  json_builder_begin_object (document);
  json_builder_set_member_name (document, "name");
  json_builder_add_string_value (document, model->scene_name);
  json_builder_set_member_name (document, "nodes");
  json_builder_begin_array (document);
  json_builder_add_int_value (document, 0);
  json_builder_end_array (document);
  json_builder_end_object (document);
  json_builder_end_array (document);
  json_builder_set_member_name (document, "nodes");
  json_builder_add_value (document, json_builder_get_root (writer.nodes));
  json_builder_set_member_name (document, "meshes");
  json_builder_add_value (document, json_builder_get_root (writer.meshes));
  json_builder_set_member_name (document, "materials");
  add_materials (document, model);
  json_builder_set_member_name (document, "accessors");
  json_builder_add_value (document, json_builder_get_root (writer.accessors));
  json_builder_set_member_name (document, "bufferViews");
  json_builder_add_value (document, json_builder_get_root (writer.buffer_views));
  json_builder_set_member_name (document, "buffers");
  json_builder_begin_array (document);
  json_builder_begin_object (document);
  json_builder_set_member_name (document, "byteLength");
  json_builder_add_int_value (document, writer.buffer->len);
  json_builder_set_member_name (document, "uri");
  json_builder_add_string_value (document, uri);
  json_builder_end_object (document);
  json_builder_end_array (document);
  json_builder_end_object (document);

  g_object_unref (writer.nodes);
  g_object_unref (writer.meshes);
  g_object_unref (writer.accessors);
  g_object_unref (writer.buffer_views);
  g_byte_array_unref (writer.buffer);

  root = json_builder_get_root (document);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  json = json_generator_to_data (generator, NULL);
  text = g_strconcat (json, "\n", NULL);

  return g_file_set_contents (path, text, -1, error);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  gboolean written;
  Model *model;

  /* Only for the messages; numbers are written by json-glib, which does
   * not depend on the locale. */
  setlocale (LC_ALL, "");

  if (argc != 3)
    {
      g_printerr ("Usage: %s pump-skid|battery-rack OUTPUT.gltf\n", argv[0]);
      return 2;
    }

  if (g_str_equal (argv[1], "pump-skid"))
    model = build_pump_skid ();
  else if (g_str_equal (argv[1], "battery-rack"))
    model = build_battery_rack ();
  else
    {
      g_printerr ("%s: unknown asset “%s”; expected pump-skid or battery-rack\n",
                  argv[0], argv[1]);
      return 2;
    }

  written = write_gltf (model, argv[2], &error);
  model_free (model);

  if (!written)
    {
      g_printerr ("%s: %s\n", argv[0], error->message);
      return 1;
    }
  return 0;
}
