/* mimic-scene-view.c
 *
 * The 3D view of an asset: a GtkGLArea drawing the parts with a key and a
 * fill light, coloured by the state of the sensors on them, with the live
 * values drawn as labels above the GL image in this widget's snapshot.
 *
 * Drawing happens only when something changed: state, label and camera
 * setters queue a render (GTK folds those into one per frame), and label
 * text alone only redraws the label layer, reusing the last GL image.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-scene-view"

#include "config.h"

#include <epoxy/gl.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "mimic-scene-view-private.h"

#define SHADER_RESOURCE_PATH "/org/mimic/Console/shaders/"
#define FIELD_OF_VIEW_DEGREES 40.f
#define RESET_YAW_DEGREES 35.f
#define RESET_PITCH_DEGREES 25.f
#define ORBIT_DEGREES_PER_PIXEL 0.4f
#define LABEL_GAP 4.f

typedef struct
{
  GLuint vao;
  GLuint vbo;
  GLuint ibo;
  GLsizei n_indices;
  float   model[16];
  float   normal_matrix[9];
} NodeBuffers;

typedef struct
{
  char            *sensor_id;
  char            *node_path;
  char            *text;
  PangoLayout     *layout;      /* NULL until drawn, reset when text changes */
  /* Where the last snapshot placed it. */
  graphene_rect_t  rect;
  graphene_point_t anchor;
  gboolean         placed;
  gboolean         dimmed;
  /* Scratch for placement. */
  MimicDisplayState  state;
  float            depth;
} SceneLabel;

typedef struct
{
  char              *sensor_id;
  char              *node_path;
  char              *unit;        /* may be NULL */
  MimicDisplayState  state;
  gboolean           has_state;   /* state came from set_sensor_value */
} SensorBinding;

struct _MimicSceneView
{
  GtkWidget           parent_instance;

  GtkWidget          *gl_area;

  MimicSceneGeometry *geometry;
  GCancellable       *load_cancellable;
  char               *load_error;
  gboolean            loading;

  /* GL objects: made in realize (or the first render after new geometry)
   * and deleted in unrealize, all in the area's context. */
  GLuint              program;
  GArray             *buffers;          /* NodeBuffers, one per geometry node */
  gboolean            buffers_stale;
  GLint               u_model;
  GLint               u_view;
  GLint               u_projection;
  GLint               u_normal_matrix;
  GLint               u_base_color;
  GLint               u_camera_position;
  GLint               u_emphasis;
  GLint               u_hatch;
  GLint               u_flat;
  GLint               u_outline_width;
  char               *vertex_source_override;
  char               *fragment_source_override;

  /* Orbit camera around target. */
  graphene_point3d_t  target;
  float               distance;
  float               yaw;              /* degrees */
  float               pitch;            /* degrees */
  float               scene_radius;

  /* Pointer gestures in progress. */
  float               drag_start_yaw;
  float               drag_start_pitch;
  graphene_point3d_t  drag_start_target;
  gboolean            drag_pans;
  double              drag_last_x;
  double              drag_last_y;
  float               zoom_start_distance;

  GHashTable         *states;           /* node path -> MimicDisplayState */
  GHashTable         *values;           /* node path -> double* 0..1 */
  gboolean            heatmap;
  char               *legend_title;
  char               *legend_unit;
  double              legend_min;
  double              legend_max;

  GPtrArray          *labels;           /* SceneLabel */
  GPtrArray          *bindings;         /* SensorBinding, in binding order */

  char               *selected_node;
  char               *selected_sensor;

  guint64             render_count;
  char               *gl_renderer;
};

G_DEFINE_FINAL_TYPE (MimicSceneView, mimic_scene_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SELECTED_NODE,
  PROP_SELECTED_SENSOR,
  PROP_HEATMAP,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  PART_PICKED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Viridis, sampled at nine points: perceptually even, readable by people
 * with the common colour-vision deficiencies, and dark to light so it
 * survives a grey-scale print. */
static const float heat_colors[9][3] = {
  { 0.267f, 0.005f, 0.329f },
  { 0.279f, 0.175f, 0.483f },
  { 0.230f, 0.322f, 0.546f },
  { 0.173f, 0.449f, 0.558f },
  { 0.128f, 0.567f, 0.551f },
  { 0.153f, 0.683f, 0.498f },
  { 0.361f, 0.785f, 0.388f },
  { 0.667f, 0.862f, 0.196f },
  { 0.993f, 0.906f, 0.144f },
};

static const GdkRGBA selection_color = { 0.20f, 0.55f, 1.00f, 1.f };
static const float background_color[3] = { 0.20f, 0.21f, 0.22f };

static void
scene_label_free (gpointer data)
{
  SceneLabel *label = data;

  g_free (label->sensor_id);
  g_free (label->node_path);
  g_free (label->text);
  g_clear_object (&label->layout);
  g_free (label);
}

static void
sensor_binding_free (gpointer data)
{
  SensorBinding *binding = data;

  g_free (binding->sensor_id);
  g_free (binding->node_path);
  g_free (binding->unit);
  g_free (binding);
}

/* How much a label is worth keeping when labels compete for room. */
static int
state_rank (MimicDisplayState state)
{
  switch (state)
    {
    case MIMIC_DISPLAY_STATE_ALARM_LOW:
    case MIMIC_DISPLAY_STATE_ALARM_MEDIUM:
    case MIMIC_DISPLAY_STATE_ALARM_HIGH:
    case MIMIC_DISPLAY_STATE_ALARM_URGENT:
      return 10 + (int) state;
    case MIMIC_DISPLAY_STATE_ABNORMAL:
      return 3;
    case MIMIC_DISPLAY_STATE_STALE:
      return 2;
    case MIMIC_DISPLAY_STATE_NORMAL:
    default:
      return 1;
    }
}

static void
heat_color (double value,
            float  rgb[3])
{
  double position = CLAMP (value, 0.0, 1.0) * 8.0;
  int i = MIN ((int) position, 7);
  float f = (float) (position - i);

  for (int c = 0; c < 3; c++)
    rgb[c] = heat_colors[i][c] * (1.f - f) + heat_colors[i + 1][c] * f;
}

/* Normal parts keep their shading but not their hue, and stay in a band of
 * greys that reads against the background: colour means "look here". */
static void
normal_color (const float material[3],
              float       rgb[3])
{
  float luminance = 0.2126f * material[0] + 0.7152f * material[1] + 0.0722f * material[2];
  float grey = CLAMP (luminance, 0.30f, 0.75f);
  float scale = luminance > 0.001f ? grey / luminance : 1.f;

  for (int c = 0; c < 3; c++)
    rgb[c] = grey * 0.85f + CLAMP (material[c] * scale, 0.f, 1.f) * 0.15f;
}

/* ---- camera ------------------------------------------------------------ */

static void
camera_eye (MimicSceneView     *self,
            graphene_point3d_t *eye)
{
  float yaw = self->yaw * (float) G_PI / 180.f;
  float pitch = self->pitch * (float) G_PI / 180.f;

  eye->x = self->target.x + self->distance * cosf (pitch) * sinf (yaw);
  eye->y = self->target.y + self->distance * sinf (pitch);
  eye->z = self->target.z + self->distance * cosf (pitch) * cosf (yaw);
}

/* Forward, right and up unit vectors of the camera. */
static void
camera_basis (MimicSceneView  *self,
              graphene_vec3_t *forward,
              graphene_vec3_t *right,
              graphene_vec3_t *up)
{
  graphene_point3d_t eye;
  graphene_vec3_t eye_vec, target_vec;

  camera_eye (self, &eye);
  graphene_point3d_to_vec3 (&eye, &eye_vec);
  graphene_point3d_to_vec3 (&self->target, &target_vec);
  graphene_vec3_subtract (&target_vec, &eye_vec, forward);
  graphene_vec3_normalize (forward, forward);
  graphene_vec3_cross (forward, graphene_vec3_y_axis (), right);
  graphene_vec3_normalize (right, right);
  graphene_vec3_cross (right, forward, up);
}

static float
widget_aspect (MimicSceneView *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));

  return width > 0 && height > 0 ? (float) width / height : 1.f;
}

static void
camera_clip_planes (MimicSceneView *self,
                    float          *near_plane,
                    float          *far_plane)
{
  *far_plane = self->distance + self->scene_radius * 2.f + 1e-3f;
  *near_plane = *far_plane / 2000.f;
}

static void
camera_matrices (MimicSceneView    *self,
                 graphene_matrix_t *view,
                 graphene_matrix_t *projection)
{
  graphene_vec3_t forward, right, up, eye_vec;
  graphene_point3d_t eye;
  float near_plane, far_plane;
  float m[16];

  camera_clip_planes (self, &near_plane, &far_plane);

  camera_eye (self, &eye);
  camera_basis (self, &forward, &right, &up);
  graphene_point3d_to_vec3 (&eye, &eye_vec);

  /* A look-at matrix, written in the column-major order GL reads. */
  m[0] = graphene_vec3_get_x (&right);
  m[1] = graphene_vec3_get_x (&up);
  m[2] = -graphene_vec3_get_x (&forward);
  m[3] = 0.f;
  m[4] = graphene_vec3_get_y (&right);
  m[5] = graphene_vec3_get_y (&up);
  m[6] = -graphene_vec3_get_y (&forward);
  m[7] = 0.f;
  m[8] = graphene_vec3_get_z (&right);
  m[9] = graphene_vec3_get_z (&up);
  m[10] = -graphene_vec3_get_z (&forward);
  m[11] = 0.f;
  m[12] = -graphene_vec3_dot (&right, &eye_vec);
  m[13] = -graphene_vec3_dot (&up, &eye_vec);
  m[14] = graphene_vec3_dot (&forward, &eye_vec);
  m[15] = 1.f;
  graphene_matrix_init_from_float (view, m);

  graphene_matrix_init_perspective (projection, FIELD_OF_VIEW_DEGREES, widget_aspect (self),
                                    near_plane, far_plane);
}

/* Something in the 3D image changed, the viewpoint did not. */
static void
scene_changed (MimicSceneView *self)
{
  gtk_gl_area_queue_render (GTK_GL_AREA (self->gl_area));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* The viewpoint changed; what hides what is found again in the render. */
static void
camera_changed (MimicSceneView *self)
{
  scene_changed (self);
}

/* Frames the whole model, keeping the viewing direction. */
void
mimic_scene_view_fit (MimicSceneView *self)
{
  graphene_box_t bounds;
  graphene_sphere_t sphere;
  float half_fov_y, half_fov_x;

  g_return_if_fail (MIMIC_IS_SCENE_VIEW (self));

  if (self->geometry == NULL || !mimic_scene_geometry_get_bounds (self->geometry, &bounds))
    return;

  graphene_box_get_bounding_sphere (&bounds, &sphere);
  graphene_sphere_get_center (&sphere, &self->target);
  self->scene_radius = MAX (graphene_sphere_get_radius (&sphere), 1e-3f);

  half_fov_y = FIELD_OF_VIEW_DEGREES * (float) G_PI / 360.f;
  half_fov_x = atanf (tanf (half_fov_y) * widget_aspect (self));
  self->distance = self->scene_radius / sinf (MIN (half_fov_x, half_fov_y)) * 1.02f;

  camera_changed (self);
}

void
mimic_scene_view_reset_camera (MimicSceneView *self)
{
  g_return_if_fail (MIMIC_IS_SCENE_VIEW (self));

  self->yaw = RESET_YAW_DEGREES;
  self->pitch = RESET_PITCH_DEGREES;
  mimic_scene_view_fit (self);
  camera_changed (self);
}

void
mimic_scene_view_orbit (MimicSceneView *self,
                        double          yaw_degrees,
                        double          pitch_degrees)
{
  g_return_if_fail (MIMIC_IS_SCENE_VIEW (self));

  if (!isfinite (yaw_degrees) || !isfinite (pitch_degrees))
    return;

  self->yaw = (float) fmod (self->yaw + yaw_degrees, 360.0);
  self->pitch = CLAMP (self->pitch + (float) pitch_degrees, -89.f, 89.f);
  camera_changed (self);
}

/* factor < 1 moves closer. */
void
mimic_scene_view_zoom (MimicSceneView *self,
                       double          factor)
{
  g_return_if_fail (MIMIC_IS_SCENE_VIEW (self));

  if (!isfinite (factor) || factor <= 0.0)
    return;

  self->distance = CLAMP (self->distance * (float) factor,
                          self->scene_radius * 0.05f, self->scene_radius * 50.f);
  camera_changed (self);
}

/* Moves the model with the pointer: dx, dy in widget pixels. */
void
mimic_scene_view_pan (MimicSceneView *self,
                      double          dx,
                      double          dy)
{
  graphene_vec3_t forward, right, up, move;
  int height = MAX (gtk_widget_get_height (GTK_WIDGET (self)), 1);
  float world_per_pixel;

  g_return_if_fail (MIMIC_IS_SCENE_VIEW (self));

  if (!isfinite (dx) || !isfinite (dy))
    return;

  world_per_pixel = 2.f * self->distance * tanf (FIELD_OF_VIEW_DEGREES * (float) G_PI / 360.f) / height;
  camera_basis (self, &forward, &right, &up);
  graphene_vec3_scale (&right, (float) -dx * world_per_pixel, &right);
  graphene_vec3_scale (&up, (float) dy * world_per_pixel, &up);
  graphene_vec3_add (&right, &up, &move);
  self->target.x += graphene_vec3_get_x (&move);
  self->target.y += graphene_vec3_get_y (&move);
  self->target.z += graphene_vec3_get_z (&move);
  camera_changed (self);
}

/* Widget coordinates of a world point; FALSE when it is behind the camera. */
gboolean
mimic_scene_view_project (MimicSceneView           *self,
                          const graphene_point3d_t *world,
                          graphene_point_t         *widget_point)
{
  graphene_matrix_t view, projection, view_projection;
  graphene_vec4_t point, clip;
  float w;

  g_return_val_if_fail (MIMIC_IS_SCENE_VIEW (self), FALSE);
  g_return_val_if_fail (world != NULL && widget_point != NULL, FALSE);

  camera_matrices (self, &view, &projection);
  graphene_matrix_multiply (&view, &projection, &view_projection);
  graphene_vec4_init (&point, world->x, world->y, world->z, 1.f);
  graphene_matrix_transform_vec4 (&view_projection, &point, &clip);
  w = graphene_vec4_get_w (&clip);
  if (w <= 1e-6f)
    return FALSE;

  widget_point->x = (graphene_vec4_get_x (&clip) / w + 1.f) * 0.5f * gtk_widget_get_width (GTK_WIDGET (self));
  widget_point->y = (1.f - graphene_vec4_get_y (&clip) / w) * 0.5f * gtk_widget_get_height (GTK_WIDGET (self));

  return TRUE;
}

/* The world centre of a part's box (with the parts below it). */
gboolean
mimic_scene_view_get_node_center (MimicSceneView     *self,
                                  const char         *node_path,
                                  graphene_point3d_t *world)
{
  graphene_box_t bounds;
  int node;

  g_return_val_if_fail (MIMIC_IS_SCENE_VIEW (self), FALSE);
  g_return_val_if_fail (world != NULL, FALSE);

  if (self->geometry == NULL)
    return FALSE;
  node = mimic_scene_geometry_lookup (self->geometry, node_path);
  if (!mimic_scene_geometry_get_node_bounds (self->geometry, node, &bounds))
    return FALSE;
  graphene_box_get_center (&bounds, world);

  return TRUE;
}

static void
view_ray (MimicSceneView *self,
          double          x,
          double          y,
          graphene_ray_t *ray)
{
  graphene_vec3_t forward, right, up, direction;
  graphene_point3d_t eye;
  float tan_half = tanf (FIELD_OF_VIEW_DEGREES * (float) G_PI / 360.f);
  float width = MAX (gtk_widget_get_width (GTK_WIDGET (self)), 1);
  float height = MAX (gtk_widget_get_height (GTK_WIDGET (self)), 1);
  float ndc_x = (float) x / width * 2.f - 1.f;
  float ndc_y = 1.f - (float) y / height * 2.f;

  camera_eye (self, &eye);
  camera_basis (self, &forward, &right, &up);
  graphene_vec3_scale (&right, ndc_x * tan_half * width / height, &right);
  graphene_vec3_scale (&up, ndc_y * tan_half, &up);
  graphene_vec3_add (&forward, &right, &direction);
  graphene_vec3_add (&direction, &up, &direction);
  graphene_ray_init (ray, &eye, &direction);
}

/* The path of the part under a widget point, or NULL; no side effects. */
const char *
mimic_scene_view_pick_node (MimicSceneView *self,
                            double          x,
                            double          y)
{
  graphene_ray_t ray;
  int node;

  g_return_val_if_fail (MIMIC_IS_SCENE_VIEW (self), NULL);

  if (self->geometry == NULL || !isfinite (x) || !isfinite (y))
    return NULL;

  view_ray (self, x, y, &ray);
  node = mimic_scene_geometry_pick (self->geometry, &ray, NULL);

  return node >= 0 ? mimic_scene_geometry_get_node (self->geometry, node)->path : NULL;
}

/* ---- sensors, selection ------------------------------------------------ */

static const char *
sensor_for_node (MimicSceneView *self,
                 const char     *node_path)
{
  int node;

  if (node_path == NULL)
    return NULL;

  /* The sensor sits on this part, or on a part that contains it. */
  if (self->geometry != NULL && (node = mimic_scene_geometry_lookup (self->geometry, node_path)) >= 0)
    {
      for (; node >= 0; node = mimic_scene_geometry_get_node (self->geometry, node)->parent)
        {
          const char *path = mimic_scene_geometry_get_node (self->geometry, node)->path;

          for (guint i = 0; i < self->bindings->len; i++)
            {
              SensorBinding *binding = g_ptr_array_index (self->bindings, i);

              if (g_str_equal (binding->node_path, path))
                return binding->sensor_id;
            }
        }
      return NULL;
    }

  for (guint i = 0; i < self->bindings->len; i++)
    {
      SensorBinding *binding = g_ptr_array_index (self->bindings, i);

      if (g_str_equal (binding->node_path, node_path))
        return binding->sensor_id;
    }

  return NULL;
}

static const char *
node_for_sensor (MimicSceneView *self,
                 const char     *sensor_id)
{
  for (guint i = 0; sensor_id != NULL && i < self->bindings->len; i++)
    {
      SensorBinding *binding = g_ptr_array_index (self->bindings, i);

      if (g_str_equal (binding->sensor_id, sensor_id))
        return binding->node_path;
    }

  return NULL;
}

static void
update_selection (MimicSceneView *self,
                  const char     *node_path,
                  const char     *sensor_id)
{
  gboolean node_changed = g_strcmp0 (self->selected_node, node_path) != 0;
  gboolean sensor_changed = g_strcmp0 (self->selected_sensor, sensor_id) != 0;

  if (!node_changed && !sensor_changed)
    return;

  /* Copy first: either argument may point into the other field. */
  {
    g_autofree char *new_node = g_strdup (node_path);
    g_autofree char *new_sensor = g_strdup (sensor_id);

    g_free (self->selected_node);
    self->selected_node = g_steal_pointer (&new_node);
    g_free (self->selected_sensor);
    self->selected_sensor = g_steal_pointer (&new_sensor);
  }

  if (node_changed)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_NODE]);
      scene_changed (self);
    }
  if (sensor_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_SENSOR]);
}

const char *
mimic_scene_view_get_selected_node (MimicSceneView *self)
{
  g_return_val_if_fail (MIMIC_IS_SCENE_VIEW (self), NULL);

  return self->selected_node;
}

void
mimic_scene_view_set_selected_node (MimicSceneView *self,
                                    const char     *node_path)
{
  g_return_if_fail (MIMIC_IS_SCENE_VIEW (self));

  update_selection (self, node_path, sensor_for_node (self, node_path));
}

const char *
mimic_scene_view_get_selected_sensor (MimicSceneView *self)
{
  g_return_val_if_fail (MIMIC_IS_SCENE_VIEW (self), NULL);

  return self->selected_sensor;
}

void
mimic_scene_view_set_selected_sensor (MimicSceneView *self,
                                      const char     *sensor_id)
{
  const char *node_path;

  g_return_if_fail (MIMIC_IS_SCENE_VIEW (self));

  node_path = node_for_sensor (self, sensor_id);
  /* An unknown sensor clears the selection rather than keeping a stale one. */
  update_selection (self, node_path, node_path != NULL ? sensor_id : NULL);
}

/* What a click does: select the part under the point (or nothing) and say
 * so with "part-picked". Returns whether a part was hit. */
gboolean
mimic_scene_view_select_at (MimicSceneView *self,
                            double          x,
                            double          y)
{
  const char *node_path;
  const char *sensor_id;

  g_return_val_if_fail (MIMIC_IS_SCENE_VIEW (self), FALSE);

  node_path = mimic_scene_view_pick_node (self, x, y);
  sensor_id = sensor_for_node (self, node_path);
  update_selection (self, node_path, sensor_id);

  if (node_path != NULL)
    g_signal_emit (self, signals[PART_PICKED], 0, node_path, sensor_id);

  return node_path != NULL;
}

static SensorBinding *
find_binding (MimicSceneView *self,
              const char     *sensor_id)
{
  for (guint i = 0; i < self->bindings->len; i++)
    {
      SensorBinding *binding = g_ptr_array_index (self->bindings, i);

      if (g_str_equal (binding->sensor_id, sensor_id))
        return binding;
    }

  return NULL;
}

/* A part shows the worst state of the sensors on it. */
static void
update_node_state_from_sensors (MimicSceneView *self,
                                const char     *node_path)
{
  MimicDisplayState worst = MIMIC_DISPLAY_STATE_NORMAL;
  gboolean any = FALSE;

  for (guint i = 0; i < self->bindings->len; i++)
    {
      SensorBinding *binding = g_ptr_array_index (self->bindings, i);

      if (!binding->has_state || !g_str_equal (binding->node_path, node_path))
        continue;
      if (!any || state_rank (binding->state) > state_rank (worst))
        worst = binding->state;
      any = TRUE;
    }

  mimic_scene_view_set_node_state (self, node_path, worst);
}

static SensorBinding *
ensure_binding (MimicSceneView *self,
                const char     *sensor_id,
                const char     *node_path)
{
  SensorBinding *binding = find_binding (self, sensor_id);

  if (binding == NULL)
    {
      binding = g_new0 (SensorBinding, 1);
      binding->sensor_id = g_strdup (sensor_id);
      binding->node_path = g_strdup (node_path);
      g_ptr_array_add (self->bindings, binding);
    }
  else if (!g_str_equal (binding->node_path, node_path))
    {
      g_autofree char *old_path = g_steal_pointer (&binding->node_path);

      binding->node_path = g_strdup (node_path);
      if (binding->has_state)
        {
          update_node_state_from_sensors (self, old_path);
          update_node_state_from_sensors (self, node_path);
        }
    }

  return binding;
}

/* Says which part a sensor sits on (its glTF node path, as the asset
 * description names it) and its unit for mimic_scene_view_set_sensor_value(). */
void
mimic_scene_view_bind_sensor (MimicSceneView *self,
                              const char     *sensor_id,
                              const char     *node_path,
                              const char     *unit)
{
  SensorBinding *binding;

  g_return_if_fail (MIMIC_IS_SCENE_VIEW (self));
  g_return_if_fail (sensor_id != NULL);
  g_return_if_fail (node_path != NULL);

  binding = ensure_binding (self, sensor_id, node_path);
  g_free (binding->unit);
  binding->unit = g_strdup (unit);
}

/* Forgets every sensor, label, state and value: for showing another device. */
void
mimic_scene_view_clear_bindings (MimicSceneView *self)
{
  g_return_if_fail (MIMIC_IS_SCENE_VIEW (self));

  g_ptr_array_set_size (self->bindings, 0);
  g_ptr_array_set_size (self->labels, 0);
  g_hash_table_remove_all (self->states);
  g_hash_table_remove_all (self->values);
  update_selection (self, NULL, NULL);
  scene_changed (self);
}

static char *
format_value (double      value,
              const char *unit)
{
  g_autofree char *number = NULL;

  if (!isfinite (value))
    number = g_strdup ("—");
  else if (fabs (value) >= 100.0)
    number = g_strdup_printf ("%.0f", value);
  else if (fabs (value) >= 10.0)
    number = g_strdup_printf ("%.1f", value);
  else
    number = g_strdup_printf ("%.2f", value);

  if (unit == NULL || *unit == '\0')
    return g_steal_pointer (&number);

  return g_strconcat (number, " ", unit, NULL);
}

/* The live reading of a bound sensor: its label shows the value with its
 * unit, its part the worst state of the sensors on it. A value that is not
 * finite shows as a dash and the part as stale. Sensors not bound are
 * ignored, so a feed may carry more than the model shows. */
void
mimic_scene_view_set_sensor_value (MimicSceneView    *self,
                                   const char        *sensor_id,
                                   double             value,
                                   MimicDisplayState  state)
{
  SensorBinding *binding;
  g_autofree char *text = NULL;

  g_return_if_fail (MIMIC_IS_SCENE_VIEW (self));
  g_return_if_fail (sensor_id != NULL);

  binding = find_binding (self, sensor_id);
  if (binding == NULL)
    return;

  if (!isfinite (value) || (guint) state > MIMIC_DISPLAY_STATE_LAST)
    state = MIMIC_DISPLAY_STATE_STALE;

  text = format_value (value, binding->unit);
  mimic_scene_view_set_label (self, binding->node_path, sensor_id, text);

  binding->state = state;
  binding->has_state = TRUE;
  update_node_state_from_sensors (self, binding->node_path);
}

/* Shows text (a value with its unit) at the part; NULL text removes the
 * label. Also binds the sensor to the part. */
void
mimic_scene_view_set_label (MimicSceneView *self,
                            const char     *node_path,
                            const char     *sensor_id,
                            const char     *text)
{
  SceneLabel *label = NULL;
  guint index;

  g_return_if_fail (MIMIC_IS_SCENE_VIEW (self));
  g_return_if_fail (node_path != NULL);
  g_return_if_fail (sensor_id != NULL);

  ensure_binding (self, sensor_id, node_path);

  for (index = 0; index < self->labels->len; index++)
    {
      label = g_ptr_array_index (self->labels, index);
      if (g_str_equal (label->sensor_id, sensor_id))
        break;
      label = NULL;
    }

  if (text == NULL)
    {
      if (label != NULL)
        {
          g_ptr_array_remove_index (self->labels, index);
          gtk_widget_queue_draw (GTK_WIDGET (self));
        }
      return;
    }

  if (label == NULL)
    {
      label = g_new0 (SceneLabel, 1);
      label->sensor_id = g_strdup (sensor_id);
      g_ptr_array_add (self->labels, label);
    }
  else if (g_strcmp0 (label->text, text) == 0 && g_strcmp0 (label->node_path, node_path) == 0)
    {
      return;
    }

  g_free (label->text);
  label->text = g_strdup (text);
  if (label->layout != NULL)
    pango_layout_set_text (label->layout, text, -1);

  if (g_strcmp0 (label->node_path, node_path) != 0)
    {
      /* Whether the part is hidden comes from the depth buffer: a new or
       * moved label needs one render. */
      g_free (label->node_path);
      label->node_path = g_strdup (node_path);
      scene_changed (self);
      return;
    }

  /* New text lives above the GL image: no 3D render needed. */
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- state colouring, heat map ------------------------------------------ */

void
mimic_scene_view_set_node_state (MimicSceneView  *self,
                                 const char      *node_path,
                                 MimicDisplayState  state)
{
  g_return_if_fail (MIMIC_IS_SCENE_VIEW (self));
  g_return_if_fail (node_path != NULL);
  g_return_if_fail ((guint) state <= MIMIC_DISPLAY_STATE_LAST);

  if (mimic_scene_view_get_node_state (self, node_path) == state &&
      (state != MIMIC_DISPLAY_STATE_NORMAL || !g_hash_table_contains (self->states, node_path)))
    return;

  if (state == MIMIC_DISPLAY_STATE_NORMAL)
    g_hash_table_remove (self->states, node_path);
  else
    g_hash_table_insert (self->states, g_strdup (node_path), GINT_TO_POINTER (state));

  scene_changed (self);
}

MimicDisplayState
mimic_scene_view_get_node_state (MimicSceneView *self,
                                 const char     *node_path)
{
  g_return_val_if_fail (MIMIC_IS_SCENE_VIEW (self), MIMIC_DISPLAY_STATE_NORMAL);

  if (node_path == NULL)
    return MIMIC_DISPLAY_STATE_NORMAL;

  return GPOINTER_TO_INT (g_hash_table_lookup (self->states, node_path));
}

void
mimic_scene_view_clear_node_states (MimicSceneView *self)
{
  g_return_if_fail (MIMIC_IS_SCENE_VIEW (self));

  if (g_hash_table_size (self->states) == 0)
    return;

  g_hash_table_remove_all (self->states);
  scene_changed (self);
}

void
mimic_scene_view_set_heatmap (MimicSceneView *self,
                              gboolean        enabled)
{
  g_return_if_fail (MIMIC_IS_SCENE_VIEW (self));

  enabled = !!enabled;
  if (self->heatmap == enabled)
    return;

  self->heatmap = enabled;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEATMAP]);
  scene_changed (self);
}

gboolean
mimic_scene_view_get_heatmap (MimicSceneView *self)
{
  g_return_val_if_fail (MIMIC_IS_SCENE_VIEW (self), FALSE);

  return self->heatmap;
}

/* normalized runs 0..1 over the legend's range (clamped); NaN removes the
 * part's value, so it shows its state colour again. */
void
mimic_scene_view_set_node_value (MimicSceneView *self,
                                 const char     *node_path,
                                 double          normalized)
{
  double *value;

  g_return_if_fail (MIMIC_IS_SCENE_VIEW (self));
  g_return_if_fail (node_path != NULL);

  if (isnan (normalized))
    {
      if (g_hash_table_remove (self->values, node_path) && self->heatmap)
        scene_changed (self);
      return;
    }

  normalized = CLAMP (normalized, 0.0, 1.0);
  value = g_hash_table_lookup (self->values, node_path);
  if (value != NULL && *value == normalized)
    return;

  if (value == NULL)
    {
      value = g_new (double, 1);
      g_hash_table_insert (self->values, g_strdup (node_path), value);
    }
  *value = normalized;

  if (self->heatmap)
    scene_changed (self);
}

void
mimic_scene_view_set_heatmap_legend (MimicSceneView *self,
                                     const char     *title,
                                     double          minimum,
                                     double          maximum,
                                     const char     *unit)
{
  g_return_if_fail (MIMIC_IS_SCENE_VIEW (self));
  g_return_if_fail (isfinite (minimum) && isfinite (maximum));

  g_free (self->legend_title);
  self->legend_title = g_strdup (title);
  g_free (self->legend_unit);
  self->legend_unit = g_strdup (unit);
  self->legend_min = minimum;
  self->legend_max = maximum;

  if (self->heatmap)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* A part shows the state set on it, or else on the nearest part above it. */
static MimicDisplayState
effective_state (MimicSceneView *self,
                 int             node)
{
  for (; node >= 0; node = mimic_scene_geometry_get_node (self->geometry, node)->parent)
    {
      gpointer state;

      if (g_hash_table_lookup_extended (self->states,
                                        mimic_scene_geometry_get_node (self->geometry, node)->path,
                                        NULL, &state))
        return GPOINTER_TO_INT (state);
    }

  return MIMIC_DISPLAY_STATE_NORMAL;
}

static const double *
effective_value (MimicSceneView *self,
                 int             node)
{
  for (; node >= 0; node = mimic_scene_geometry_get_node (self->geometry, node)->parent)
    {
      const double *value = g_hash_table_lookup (self->values,
                                                 mimic_scene_geometry_get_node (self->geometry, node)->path);

      if (value != NULL)
        return value;
    }

  return NULL;
}

/* ---- geometry ----------------------------------------------------------- */

void
mimic_scene_view_set_geometry (MimicSceneView     *self,
                               MimicSceneGeometry *geometry)
{
  g_return_if_fail (MIMIC_IS_SCENE_VIEW (self));

  if (self->geometry == geometry)
    return;

  g_clear_pointer (&self->geometry, mimic_scene_geometry_unref);
  if (geometry != NULL)
    self->geometry = mimic_scene_geometry_ref (geometry);
  g_clear_pointer (&self->load_error, g_free);

  /* The GL copies are replaced on the next render, in the GL context. */
  self->buffers_stale = TRUE;
  mimic_scene_view_reset_camera (self);
}

MimicSceneGeometry *
mimic_scene_view_get_geometry (MimicSceneView *self)
{
  g_return_val_if_fail (MIMIC_IS_SCENE_VIEW (self), NULL);

  return self->geometry;
}

static void
on_geometry_loaded (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicSceneGeometry) geometry = mimic_scene_geometry_load_finish (result, &error);
  MimicSceneView *self = g_task_get_source_object (task);

  if (geometry == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          self->loading = FALSE;
          g_free (self->load_error);
          self->load_error = g_strdup (error->message);
          gtk_widget_queue_draw (GTK_WIDGET (self));
        }
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->loading = FALSE;
  mimic_scene_view_set_geometry (self, geometry);
  g_task_return_boolean (task, TRUE);
}

/* Reads the model on a worker thread and shows it; a load started before
 * is cancelled. Only uploading to the GPU happens on the main thread. */
void
mimic_scene_view_load_async (MimicSceneView      *self,
                             GFile               *file,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (MIMIC_IS_SCENE_VIEW (self));
  g_return_if_fail (G_IS_FILE (file));

  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = cancellable != NULL ? g_object_ref (cancellable) : g_cancellable_new ();

  task = g_task_new (self, self->load_cancellable, callback, user_data);
  g_task_set_source_tag (task, mimic_scene_view_load_async);

  self->loading = TRUE;
  g_clear_pointer (&self->load_error, g_free);
  gtk_widget_queue_draw (GTK_WIDGET (self));

  mimic_scene_geometry_load_async (file, self->load_cancellable, on_geometry_loaded, g_steal_pointer (&task));
}

gboolean
mimic_scene_view_load_finish (MimicSceneView  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- GL ----------------------------------------------------------------- */

static GLuint
compile_shader (GLenum       stage,
                const char  *name,
                const char  *override,
                GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;
  const char *source;
  GLint length, status;
  GLuint shader;

  if (override != NULL)
    {
      source = override;
      length = (GLint) strlen (override);
    }
  else
    {
      g_autofree char *path = g_strconcat (SHADER_RESOURCE_PATH, name, NULL);

      bytes = g_resources_lookup_data (path, 0, error);
      if (bytes == NULL)
        return 0;
      source = g_bytes_get_data (bytes, NULL);
      length = (GLint) g_bytes_get_size (bytes);
    }

  shader = glCreateShader (stage);
  glShaderSource (shader, 1, &source, &length);
  glCompileShader (shader);
  glGetShaderiv (shader, GL_COMPILE_STATUS, &status);
  if (status != GL_TRUE)
    {
      char log[2048] = "";

      glGetShaderInfoLog (shader, sizeof log, NULL, log);
      g_set_error (error, MIMIC_SCENE_ERROR, MIMIC_SCENE_ERROR_SHADER,
                   _("The shader %s did not compile: %s"), name, g_strstrip (log));
      glDeleteShader (shader);
      return 0;
    }

  return shader;
}

static gboolean
create_program (MimicSceneView  *self,
                GError         **error)
{
  GLuint vertex, fragment;
  GLint status;

  vertex = compile_shader (GL_VERTEX_SHADER, "scene.vert", self->vertex_source_override, error);
  if (vertex == 0)
    return FALSE;
  fragment = compile_shader (GL_FRAGMENT_SHADER, "scene.frag", self->fragment_source_override, error);
  if (fragment == 0)
    {
      glDeleteShader (vertex);
      return FALSE;
    }

  self->program = glCreateProgram ();
  glAttachShader (self->program, vertex);
  glAttachShader (self->program, fragment);
  glLinkProgram (self->program);
  glDetachShader (self->program, vertex);
  glDetachShader (self->program, fragment);
  glDeleteShader (vertex);
  glDeleteShader (fragment);

  glGetProgramiv (self->program, GL_LINK_STATUS, &status);
  if (status != GL_TRUE)
    {
      char log[2048] = "";

      glGetProgramInfoLog (self->program, sizeof log, NULL, log);
      g_set_error (error, MIMIC_SCENE_ERROR, MIMIC_SCENE_ERROR_SHADER,
                   _("The scene shaders did not link: %s"), g_strstrip (log));
      glDeleteProgram (self->program);
      self->program = 0;
      return FALSE;
    }

  self->u_model = glGetUniformLocation (self->program, "u_model");
  self->u_view = glGetUniformLocation (self->program, "u_view");
  self->u_projection = glGetUniformLocation (self->program, "u_projection");
  self->u_normal_matrix = glGetUniformLocation (self->program, "u_normal_matrix");
  self->u_base_color = glGetUniformLocation (self->program, "u_base_color");
  self->u_camera_position = glGetUniformLocation (self->program, "u_camera_position");
  self->u_emphasis = glGetUniformLocation (self->program, "u_emphasis");
  self->u_hatch = glGetUniformLocation (self->program, "u_hatch");
  self->u_flat = glGetUniformLocation (self->program, "u_flat");
  self->u_outline_width = glGetUniformLocation (self->program, "u_outline_width");

  return TRUE;
}

static void
delete_buffers (MimicSceneView *self)
{
  for (guint i = 0; i < self->buffers->len; i++)
    {
      NodeBuffers *b = &g_array_index (self->buffers, NodeBuffers, i);

      if (b->vao != 0)
        {
          glDeleteVertexArrays (1, &b->vao);
          glDeleteBuffers (1, &b->vbo);
          glDeleteBuffers (1, &b->ibo);
        }
    }
  g_array_set_size (self->buffers, 0);
}

static void
upload_buffers (MimicSceneView *self)
{
  guint n_nodes;

  delete_buffers (self);
  self->buffers_stale = FALSE;
  if (self->geometry == NULL)
    return;

  n_nodes = mimic_scene_geometry_get_n_nodes (self->geometry);
  g_array_set_size (self->buffers, n_nodes);

  for (guint i = 0; i < n_nodes; i++)
    {
      const MimicSceneNode *node = mimic_scene_geometry_get_node (self->geometry, i);
      NodeBuffers *b = &g_array_index (self->buffers, NodeBuffers, i);
      graphene_matrix_t normal;
      float n[16];

      *b = (NodeBuffers) { 0 };
      if (node->n_indices == 0)
        continue;

      graphene_matrix_to_float (&node->world, b->model);
      /* Normals transform by the inverse transpose of the model matrix. */
      graphene_matrix_transpose (&node->world_inverse, &normal);
      graphene_matrix_to_float (&normal, n);
      for (guint column = 0; column < 3; column++)
        for (guint row = 0; row < 3; row++)
          b->normal_matrix[column * 3 + row] = n[column * 4 + row];

      glGenVertexArrays (1, &b->vao);
      glGenBuffers (1, &b->vbo);
      glGenBuffers (1, &b->ibo);
      glBindVertexArray (b->vao);
      glBindBuffer (GL_ARRAY_BUFFER, b->vbo);
      glBufferData (GL_ARRAY_BUFFER, (GLsizeiptr) node->n_vertices * 6 * sizeof (float),
                    node->vertices, GL_STATIC_DRAW);
      glBindBuffer (GL_ELEMENT_ARRAY_BUFFER, b->ibo);
      glBufferData (GL_ELEMENT_ARRAY_BUFFER, (GLsizeiptr) node->n_indices * sizeof (guint32),
                    node->indices, GL_STATIC_DRAW);
      glEnableVertexAttribArray (0);
      glVertexAttribPointer (0, 3, GL_FLOAT, GL_FALSE, 6 * sizeof (float), (void *) 0);
      glEnableVertexAttribArray (1);
      glVertexAttribPointer (1, 3, GL_FLOAT, GL_FALSE, 6 * sizeof (float), (void *) (3 * sizeof (float)));
      b->n_indices = (GLsizei) node->n_indices;
    }

  glBindVertexArray (0);
}

static void
on_area_realize (GtkGLArea      *area,
                 MimicSceneView *self)
{
  g_autoptr(GError) error = NULL;

  gtk_gl_area_make_current (area);
  if (gtk_gl_area_get_error (area) != NULL)
    return;

  g_free (self->gl_renderer);
  self->gl_renderer = g_strdup ((const char *) glGetString (GL_RENDERER));

  if (!create_program (self, &error))
    {
      /* Shown in the widget; logged for whoever reads the journal. */
      g_message ("%s", error->message);
      gtk_gl_area_set_error (area, error);
      return;
    }

  upload_buffers (self);
  gtk_gl_area_queue_render (area);
}

static void
on_area_unrealize (GtkGLArea      *area,
                   MimicSceneView *self)
{
  gtk_gl_area_make_current (area);
  if (gtk_gl_area_get_error (area) == NULL)
    {
      delete_buffers (self);
      if (self->program != 0)
        glDeleteProgram (self->program);
    }
  else
    {
      /* No context to delete them in; they died with it. */
      g_array_set_size (self->buffers, 0);
    }
  self->program = 0;
  self->buffers_stale = TRUE;
}

static void
draw_node (MimicSceneView *self,
           guint           index)
{
  NodeBuffers *b = &g_array_index (self->buffers, NodeBuffers, index);

  glUniformMatrix4fv (self->u_model, 1, GL_FALSE, b->model);
  glUniformMatrix3fv (self->u_normal_matrix, 1, GL_FALSE, b->normal_matrix);
  glBindVertexArray (b->vao);
  glDrawElements (GL_TRIANGLES, b->n_indices, GL_UNSIGNED_INT, NULL);
}

static void
node_appearance (MimicSceneView *self,
                 guint           index,
                 float           color[3],
                 float          *emphasis,
                 float          *hatch)
{
  const MimicSceneNode *node = mimic_scene_geometry_get_node (self->geometry, index);
  MimicDisplayState state = effective_state (self, index);
  const double *value = self->heatmap ? effective_value (self, index) : NULL;
  GdkRGBA rgba;

  *emphasis = 0.f;
  *hatch = 0.f;
  normal_color (node->color, color);

  if (value != NULL && !mimic_display_state_is_alarm (state))
    {
      heat_color (*value, color);
    }
  else if (state != MIMIC_DISPLAY_STATE_NORMAL)
    {
      mimic_display_state_get_fill (state, &rgba);
      color[0] = rgba.red;
      color[1] = rgba.green;
      color[2] = rgba.blue;
    }

  if (mimic_display_state_is_alarm (state))
    *emphasis = 1.f;
  else if (state == MIMIC_DISPLAY_STATE_STALE)
    *hatch = 1.f;
}

/* Reads the depth buffer under each label's anchor: when the nearest
 * surface there lies in front of everything the part could be, another part
 * hides it and its label is dimmed. One pixel per label, read once per
 * render, so text updates cost nothing here. */
static void
update_label_occlusion (MimicSceneView          *self,
                        const graphene_point3d_t *eye,
                        float                    near_plane,
                        float                    far_plane)
{
  graphene_vec3_t forward, right, up;
  int width = gtk_widget_get_width (self->gl_area);
  int height = gtk_widget_get_height (self->gl_area);
  int scale = gtk_widget_get_scale_factor (self->gl_area);
  float tolerance = self->scene_radius * 0.005f;

  camera_basis (self, &forward, &right, &up);

  for (guint i = 0; i < self->labels->len; i++)
    {
      SceneLabel *label = g_ptr_array_index (self->labels, i);
      graphene_box_t bounds;
      graphene_point3d_t center;
      graphene_point_t anchor;
      graphene_vec3_t corners[8];
      float depth = 1.f, nearest = G_MAXFLOAT, visible;
      int node = mimic_scene_geometry_lookup (self->geometry, label->node_path);

      label->dimmed = FALSE;
      if (!mimic_scene_geometry_get_node_bounds (self->geometry, node, &bounds))
        continue;
      graphene_box_get_center (&bounds, &center);
      if (!mimic_scene_view_project (self, &center, &anchor) ||
          anchor.x < 0 || anchor.y < 0 || anchor.x >= width || anchor.y >= height)
        continue;

      glReadPixels ((int) (anchor.x * scale), (int) ((height - anchor.y) * scale), 1, 1,
                    GL_DEPTH_COMPONENT, GL_FLOAT, &depth);
      if (depth >= 1.f)
        continue;

      /* Window depth back to distance along the view direction. */
      visible = 2.f * near_plane * far_plane /
                (far_plane + near_plane - (2.f * depth - 1.f) * (far_plane - near_plane));

      graphene_box_get_vertices (&bounds, corners);
      for (guint k = 0; k < 8; k++)
        {
          graphene_vec3_t eye_vec, offset;

          graphene_point3d_to_vec3 (eye, &eye_vec);
          graphene_vec3_subtract (&corners[k], &eye_vec, &offset);
          nearest = MIN (nearest, graphene_vec3_dot (&offset, &forward));
        }

      label->dimmed = visible < nearest - tolerance;
    }
}

static gboolean
on_area_render (GtkGLArea      *area,
                GdkGLContext   *context,
                MimicSceneView *self)
{
  graphene_matrix_t view, projection;
  graphene_point3d_t eye;
  float view_floats[16], projection_floats[16];
  float near_plane, far_plane;
  int selected = -1;
  guint n_nodes;

  glClearColor (background_color[0], background_color[1], background_color[2], 1.f);
  glClearStencil (0);
  glStencilMask (0xff);
  glClear (GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT | GL_STENCIL_BUFFER_BIT);

  self->render_count++;

  if (self->program == 0)
    return TRUE;
  if (self->buffers_stale)
    upload_buffers (self);
  if (self->geometry == NULL)
    return TRUE;

  n_nodes = MIN (self->buffers->len, mimic_scene_geometry_get_n_nodes (self->geometry));
  if (self->selected_node != NULL)
    selected = mimic_scene_geometry_lookup (self->geometry, self->selected_node);

  camera_matrices (self, &view, &projection);
  camera_clip_planes (self, &near_plane, &far_plane);
  graphene_matrix_to_float (&view, view_floats);
  graphene_matrix_to_float (&projection, projection_floats);
  camera_eye (self, &eye);

  glEnable (GL_DEPTH_TEST);
  glDepthFunc (GL_LESS);
  glDisable (GL_CULL_FACE);
  glEnable (GL_STENCIL_TEST);
  glStencilOp (GL_KEEP, GL_KEEP, GL_REPLACE);

  glUseProgram (self->program);
  glUniformMatrix4fv (self->u_view, 1, GL_FALSE, view_floats);
  glUniformMatrix4fv (self->u_projection, 1, GL_FALSE, projection_floats);
  glUniform3f (self->u_camera_position, eye.x, eye.y, eye.z);
  glUniform1f (self->u_flat, 0.f);
  glUniform1f (self->u_outline_width, 0.f);

  for (guint i = 0; i < n_nodes; i++)
    {
      float color[3], emphasis, hatch;
      gboolean is_selected;

      if (g_array_index (self->buffers, NodeBuffers, i).n_indices == 0)
        continue;

      /* The selected parts mark the stencil so the outline pass draws
       * only around them, never over them. */
      is_selected = selected >= 0 && mimic_scene_geometry_is_descendant (self->geometry, i, selected);
      glStencilFunc (GL_ALWAYS, is_selected ? 1 : 0, 0xff);

      node_appearance (self, i, color, &emphasis, &hatch);
      glUniform3fv (self->u_base_color, 1, color);
      glUniform1f (self->u_emphasis, emphasis);
      glUniform1f (self->u_hatch, hatch);
      draw_node (self, i);
    }

  if (selected >= 0)
    {
      /* The outline: the selected parts again, pushed out along their
       * normals, drawn where the stencil says they are not; about two
       * pixels wide at any zoom. */
      int height = MAX (gtk_widget_get_height (GTK_WIDGET (self)), 1);
      float width = 2.5f * 2.f * self->distance * tanf (FIELD_OF_VIEW_DEGREES * (float) G_PI / 360.f) / height;

      glStencilFunc (GL_NOTEQUAL, 1, 0xff);
      glStencilMask (0x00);
      glDisable (GL_DEPTH_TEST);
      glUniform1f (self->u_flat, 1.f);
      glUniform1f (self->u_outline_width, width);
      glUniform3f (self->u_base_color, selection_color.red, selection_color.green, selection_color.blue);
      for (guint i = 0; i < n_nodes; i++)
        {
          if (g_array_index (self->buffers, NodeBuffers, i).n_indices == 0 ||
              !mimic_scene_geometry_is_descendant (self->geometry, i, selected))
            continue;
          draw_node (self, i);
        }
      glStencilMask (0xff);
    }

  glBindVertexArray (0);
  glUseProgram (0);
  glDisable (GL_STENCIL_TEST);
  glDisable (GL_DEPTH_TEST);

  update_label_occlusion (self, &eye, near_plane, far_plane);

  return TRUE;
}

static void
mimic_scene_view_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  *minimum = 64;
  *natural = 480;
}

static void
mimic_scene_view_size_allocate (GtkWidget *widget,
                                int        width,
                                int        height,
                                int        baseline)
{
  MimicSceneView *self = MIMIC_SCENE_VIEW (widget);
  gboolean resized = gtk_widget_get_width (self->gl_area) != width ||
                     gtk_widget_get_height (self->gl_area) != height;

  gtk_widget_allocate (self->gl_area, width, height, baseline, NULL);

  /* The area does not re-render on its own without auto-render; the
   * projection (and the labels) depend on the size. */
  if (resized)
    camera_changed (self);
}

/* ---- labels and overlays ------------------------------------------------ */

static gboolean
rect_is_free (GPtrArray             *placed,
              const graphene_rect_t *rect)
{
  for (guint i = 0; i < placed->len; i++)
    {
      graphene_rect_t *other = g_ptr_array_index (placed, i);

      if (graphene_rect_intersection (rect, other, NULL))
        return FALSE;
    }

  return TRUE;
}

static int
compare_labels (gconstpointer a,
                gconstpointer b)
{
  const SceneLabel *la = *(SceneLabel * const *) a;
  const SceneLabel *lb = *(SceneLabel * const *) b;

  if (la->dimmed != lb->dimmed)
    return la->dimmed ? 1 : -1;
  if (state_rank (la->state) != state_rank (lb->state))
    return state_rank (la->state) > state_rank (lb->state) ? -1 : 1;
  if (la->depth != lb->depth)
    return la->depth < lb->depth ? -1 : 1;

  return g_strcmp0 (la->sensor_id, lb->sensor_id);
}

/* Greedy placement: alarms first, then nearer parts. A label that would
 * cover one already placed tries the spots around its part (drawn with a
 * leader line) and is left out when all are taken. */
static void
place_labels (MimicSceneView *self)
{
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  g_autoptr(GPtrArray) placed = g_ptr_array_new ();
  graphene_point3d_t eye;
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  graphene_rect_t view_rect = GRAPHENE_RECT_INIT (0, 0, width, height);

  camera_eye (self, &eye);

  for (guint i = 0; i < self->labels->len; i++)
    {
      SceneLabel *label = g_ptr_array_index (self->labels, i);
      SensorBinding *binding;
      graphene_box_t bounds;
      graphene_point3d_t center;
      int node;

      label->placed = FALSE;
      if (self->geometry == NULL)
        continue;
      node = mimic_scene_geometry_lookup (self->geometry, label->node_path);
      if (!mimic_scene_geometry_get_node_bounds (self->geometry, node, &bounds))
        continue;
      graphene_box_get_center (&bounds, &center);
      if (!mimic_scene_view_project (self, &center, &label->anchor))
        continue;
      if (!graphene_rect_contains_point (&view_rect, &label->anchor))
        continue;

      if (label->layout == NULL)
        label->layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), label->text);
      /* The label tells its own sensor's state; the part shows the worst. */
      binding = find_binding (self, label->sensor_id);
      if (binding != NULL && binding->has_state)
        label->state = binding->state;
      else
        label->state = effective_state (self, node);
      label->depth = graphene_point3d_distance (&eye, &center, NULL);
      g_ptr_array_add (order, label);
    }

  g_ptr_array_sort (order, compare_labels);

  for (guint i = 0; i < order->len; i++)
    {
      SceneLabel *label = g_ptr_array_index (order, i);
      int text_width, text_height;
      float w, h;

      pango_layout_get_pixel_size (label->layout, &text_width, &text_height);
      w = text_width + 2 * LABEL_GAP + (mimic_display_state_is_alarm (label->state) ? LABEL_GAP : 0);
      h = text_height + LABEL_GAP;

      /* On the part, then above, below, right and left of it. */
      const float offsets[][2] = {
        { -w / 2, -h / 2 },
        { -w / 2, -h * 1.5f - LABEL_GAP * 2 },
        { -w / 2, h / 2 + LABEL_GAP * 2 },
        { w / 2 + LABEL_GAP * 4, -h / 2 },
        { -w * 1.5f - LABEL_GAP * 4, -h / 2 },
      };

      for (guint k = 0; k < G_N_ELEMENTS (offsets); k++)
        {
          graphene_rect_t rect = GRAPHENE_RECT_INIT (label->anchor.x + offsets[k][0],
                                                     label->anchor.y + offsets[k][1], w, h);

          if (rect_is_free (placed, &rect))
            {
              label->rect = rect;
              label->placed = TRUE;
              g_ptr_array_add (placed, &label->rect);
              break;
            }
        }
    }
}

/* Leader line from a part to its label when the label had to move off
 * the part, and a dot on the part. Drawn under all labels. */
static void
draw_leader (MimicSceneView *self,
             GtkSnapshot    *snapshot,
             SceneLabel     *label)
{
  GskRoundedRect box;
  graphene_point_t center;
  graphene_rect_t dot = GRAPHENE_RECT_INIT (label->anchor.x - 2, label->anchor.y - 2, 4, 4);
  GdkRGBA line_color = { 0.95f, 0.95f, 0.95f, 0.7f };
  float dx, dy, length;

  if (graphene_rect_contains_point (&label->rect, &label->anchor))
    return;

  graphene_rect_get_center (&label->rect, &center);
  dx = center.x - label->anchor.x;
  dy = center.y - label->anchor.y;
  length = sqrtf (dx * dx + dy * dy);

  if (label->dimmed)
    gtk_snapshot_push_opacity (snapshot, 0.45);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &label->anchor);
  gtk_snapshot_rotate (snapshot, atan2f (dy, dx) * 180.f / (float) G_PI);
  gtk_snapshot_append_color (snapshot, &line_color, &GRAPHENE_RECT_INIT (0, -0.5f, length, 1));
  gtk_snapshot_restore (snapshot);
  gsk_rounded_rect_init_from_rect (&box, &dot, 2);
  gtk_snapshot_push_rounded_clip (snapshot, &box);
  gtk_snapshot_append_color (snapshot, &line_color, &dot);
  gtk_snapshot_pop (snapshot);

  if (label->dimmed)
    gtk_snapshot_pop (snapshot);
}

static void
draw_label (MimicSceneView *self,
            GtkSnapshot    *snapshot,
            SceneLabel     *label)
{
  GskRoundedRect box;
  GdkRGBA text_color = { 0.95f, 0.95f, 0.95f, 1.f };
  GdkRGBA box_color = { 0.08f, 0.09f, 0.10f, 0.82f };
  float text_x = label->rect.origin.x + LABEL_GAP;

  if (label->dimmed)
    gtk_snapshot_push_opacity (snapshot, 0.45);

  gsk_rounded_rect_init_from_rect (&box, &label->rect, 3);
  gtk_snapshot_push_rounded_clip (snapshot, &box);
  gtk_snapshot_append_color (snapshot, &box_color, &label->rect);
  if (mimic_display_state_is_alarm (label->state) || label->state == MIMIC_DISPLAY_STATE_ABNORMAL)
    {
      /* A bar in the state colour, so the label says what the part shows. */
      GdkRGBA bar;

      mimic_display_state_get_fill (label->state, &bar);
      gtk_snapshot_append_color (snapshot, &bar,
                                 &GRAPHENE_RECT_INIT (label->rect.origin.x, label->rect.origin.y,
                                                      LABEL_GAP, label->rect.size.height));
      if (mimic_display_state_is_alarm (label->state))
        text_x += LABEL_GAP;
    }
  gtk_snapshot_pop (snapshot);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (text_x, label->rect.origin.y + LABEL_GAP / 2));
  gtk_snapshot_append_layout (snapshot, label->layout, &text_color);
  gtk_snapshot_restore (snapshot);

  if (label->dimmed)
    gtk_snapshot_pop (snapshot);
}

static void
draw_legend (MimicSceneView *self,
             GtkSnapshot    *snapshot)
{
  GskColorStop stops[G_N_ELEMENTS (heat_colors)];
  GdkRGBA text_color = { 0.95f, 0.95f, 0.95f, 1.f };
  GdkRGBA box_color = { 0.08f, 0.09f, 0.10f, 0.82f };
  g_autoptr(PangoLayout) title = NULL;
  g_autoptr(PangoLayout) low = NULL;
  g_autoptr(PangoLayout) high = NULL;
  g_autofree char *low_text = NULL;
  g_autofree char *high_text = NULL;
  int title_w = 0, title_h = 0, low_w, low_h, high_w, high_h;
  float bar_width = 180.f, x = 12.f, y, box_height;
  GskRoundedRect box;

  for (guint i = 0; i < G_N_ELEMENTS (heat_colors); i++)
    {
      stops[i].offset = (float) i / (G_N_ELEMENTS (heat_colors) - 1);
      stops[i].color = (GdkRGBA) { heat_colors[i][0], heat_colors[i][1], heat_colors[i][2], 1.f };
    }

  low_text = g_strdup_printf ("%.4g %s", self->legend_min, self->legend_unit != NULL ? self->legend_unit : "");
  high_text = g_strdup_printf ("%.4g %s", self->legend_max, self->legend_unit != NULL ? self->legend_unit : "");
  low = gtk_widget_create_pango_layout (GTK_WIDGET (self), g_strstrip (low_text));
  high = gtk_widget_create_pango_layout (GTK_WIDGET (self), g_strstrip (high_text));
  pango_layout_get_pixel_size (low, &low_w, &low_h);
  pango_layout_get_pixel_size (high, &high_w, &high_h);
  if (self->legend_title != NULL)
    {
      title = gtk_widget_create_pango_layout (GTK_WIDGET (self), self->legend_title);
      pango_layout_get_pixel_size (title, &title_w, &title_h);
    }

  box_height = title_h + 14.f + low_h + 3 * LABEL_GAP;
  y = gtk_widget_get_height (GTK_WIDGET (self)) - box_height - 12.f;

  gsk_rounded_rect_init_from_rect (&box, &GRAPHENE_RECT_INIT (x, y, MAX (bar_width, title_w) + 4 * LABEL_GAP, box_height), 4);
  gtk_snapshot_push_rounded_clip (snapshot, &box);
  gtk_snapshot_append_color (snapshot, &box_color, &box.bounds);
  gtk_snapshot_pop (snapshot);

  x += 2 * LABEL_GAP;
  y += LABEL_GAP;
  if (title != NULL)
    {
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
      gtk_snapshot_append_layout (snapshot, title, &text_color);
      gtk_snapshot_restore (snapshot);
      y += title_h + LABEL_GAP;
    }

  gtk_snapshot_append_linear_gradient (snapshot, &GRAPHENE_RECT_INIT (x, y, bar_width, 14),
                                       &GRAPHENE_POINT_INIT (x, y), &GRAPHENE_POINT_INIT (x + bar_width, y),
                                       stops, G_N_ELEMENTS (stops));
  y += 14 + LABEL_GAP;

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, low, &text_color);
  gtk_snapshot_restore (snapshot);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x + bar_width - high_w, y));
  gtk_snapshot_append_layout (snapshot, high, &text_color);
  gtk_snapshot_restore (snapshot);
}

static void
draw_message (MimicSceneView *self,
              GtkSnapshot    *snapshot,
              const char     *heading,
              const char     *detail)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  GdkRGBA background = { background_color[0], background_color[1], background_color[2], 1.f };
  GdkRGBA text_color = { 0.95f, 0.95f, 0.95f, 1.f };
  g_autofree char *markup = NULL;
  g_autoptr(PangoLayout) layout = NULL;
  int text_height;

  if (detail != NULL)
    markup = g_markup_printf_escaped ("<b>%s</b>\n%s", heading, detail);
  else
    markup = g_markup_printf_escaped ("<b>%s</b>", heading);

  layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  pango_layout_set_markup (layout, markup, -1);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_width (layout, MAX (width - 48, 40) * PANGO_SCALE);
  pango_layout_get_pixel_size (layout, NULL, &text_height);

  gtk_snapshot_append_color (snapshot, &background, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gtk_snapshot_save (snapshot);
  /* Lines are centred inside the layout's width, which starts at 24. */
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (24.f, (height - text_height) / 2.f));
  gtk_snapshot_append_layout (snapshot, layout, &text_color);
  gtk_snapshot_restore (snapshot);
}

const char *
mimic_scene_view_get_error_message (MimicSceneView *self)
{
  const GError *gl_error;

  g_return_val_if_fail (MIMIC_IS_SCENE_VIEW (self), NULL);

  gl_error = gtk_gl_area_get_error (GTK_GL_AREA (self->gl_area));
  if (gl_error != NULL)
    return gl_error->message;

  return self->load_error;
}

static void
mimic_scene_view_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  MimicSceneView *self = MIMIC_SCENE_VIEW (widget);
  const GError *gl_error = gtk_gl_area_get_error (GTK_GL_AREA (self->gl_area));

  if (gl_error != NULL)
    {
      draw_message (self, snapshot, _("The 3D view cannot be shown"), gl_error->message);
      return;
    }
  if (self->load_error != NULL)
    {
      draw_message (self, snapshot, _("The 3D model could not be loaded"), self->load_error);
      return;
    }

  gtk_widget_snapshot_child (widget, self->gl_area, snapshot);

  if (self->loading && self->geometry == NULL)
    {
      draw_message (self, snapshot, _("Loading the 3D model…"), NULL);
      return;
    }

  place_labels (self);
  for (guint i = 0; i < self->labels->len; i++)
    {
      SceneLabel *label = g_ptr_array_index (self->labels, i);

      if (label->placed)
        draw_leader (self, snapshot, label);
    }
  for (guint i = 0; i < self->labels->len; i++)
    {
      SceneLabel *label = g_ptr_array_index (self->labels, i);

      if (label->placed)
        draw_label (self, snapshot, label);
    }

  if (self->heatmap)
    draw_legend (self, snapshot);
}

gboolean
mimic_scene_view_get_label_placement (MimicSceneView  *self,
                                      const char      *sensor_id,
                                      graphene_rect_t *rect,
                                      gboolean        *dimmed)
{
  g_return_val_if_fail (MIMIC_IS_SCENE_VIEW (self), FALSE);

  for (guint i = 0; i < self->labels->len; i++)
    {
      SceneLabel *label = g_ptr_array_index (self->labels, i);

      if (!g_str_equal (label->sensor_id, sensor_id))
        continue;
      if (rect != NULL)
        *rect = label->rect;
      if (dimmed != NULL)
        *dimmed = label->dimmed;
      return label->placed;
    }

  return FALSE;
}

void
mimic_scene_view_set_shader_sources (MimicSceneView *self,
                                     const char     *vertex_source,
                                     const char     *fragment_source)
{
  g_return_if_fail (MIMIC_IS_SCENE_VIEW (self));
  g_return_if_fail (!gtk_widget_get_realized (self->gl_area));

  g_free (self->vertex_source_override);
  self->vertex_source_override = g_strdup (vertex_source);
  g_free (self->fragment_source_override);
  self->fragment_source_override = g_strdup (fragment_source);
}

const char *
mimic_scene_view_get_gl_renderer (MimicSceneView *self)
{
  g_return_val_if_fail (MIMIC_IS_SCENE_VIEW (self), NULL);

  return self->gl_renderer;
}

char *
mimic_scene_view_dup_label_text (MimicSceneView *self,
                                 const char     *sensor_id)
{
  g_return_val_if_fail (MIMIC_IS_SCENE_VIEW (self), NULL);

  for (guint i = 0; i < self->labels->len; i++)
    {
      SceneLabel *label = g_ptr_array_index (self->labels, i);

      if (g_str_equal (label->sensor_id, sensor_id))
        return g_strdup (label->text);
    }

  return NULL;
}

guint64
mimic_scene_view_get_render_count (MimicSceneView *self)
{
  g_return_val_if_fail (MIMIC_IS_SCENE_VIEW (self), 0);

  return self->render_count;
}

/* ---- input -------------------------------------------------------------- */

static void
on_drag_begin (GtkGestureDrag *gesture,
               double          x,
               double          y,
               MimicSceneView *self)
{
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture));
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));

  self->drag_pans = button == GDK_BUTTON_MIDDLE || button == GDK_BUTTON_SECONDARY ||
                    (state & GDK_SHIFT_MASK) != 0;
  self->drag_start_yaw = self->yaw;
  self->drag_start_pitch = self->pitch;
  self->drag_last_x = 0;
  self->drag_last_y = 0;
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

static void
on_drag_update (GtkGestureDrag *gesture,
                double          offset_x,
                double          offset_y,
                MimicSceneView *self)
{
  if (self->drag_pans)
    {
      mimic_scene_view_pan (self, offset_x - self->drag_last_x, offset_y - self->drag_last_y);
      self->drag_last_x = offset_x;
      self->drag_last_y = offset_y;
      return;
    }

  self->yaw = self->drag_start_yaw - (float) offset_x * ORBIT_DEGREES_PER_PIXEL;
  self->pitch = CLAMP (self->drag_start_pitch + (float) offset_y * ORBIT_DEGREES_PER_PIXEL, -89.f, 89.f);
  camera_changed (self);
}

static void
on_click_released (GtkGestureClick *gesture,
                   int              n_press,
                   double           x,
                   double           y,
                   MimicSceneView  *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self));
  mimic_scene_view_select_at (self, x, y);
}

static gboolean
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           MimicSceneView           *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));

  /* Two fingers on a touchpad pan; a wheel, or the touchpad with Ctrl, zooms. */
  if (gtk_event_controller_scroll_get_unit (controller) == GDK_SCROLL_UNIT_SURFACE)
    {
      if (state & GDK_CONTROL_MASK)
        mimic_scene_view_zoom (self, pow (1.01, dy));
      else
        mimic_scene_view_pan (self, -dx, -dy);
    }
  else
    {
      mimic_scene_view_zoom (self, pow (1.15, dy));
    }

  return GDK_EVENT_STOP;
}

static void
on_zoom_begin (GtkGesture       *gesture,
               GdkEventSequence *sequence,
               MimicSceneView   *self)
{
  self->zoom_start_distance = self->distance;
}

static void
on_zoom_scale_changed (GtkGestureZoom *gesture,
                       double          scale,
                       MimicSceneView *self)
{
  if (scale > 1e-3 && self->distance > 0.f)
    mimic_scene_view_zoom (self, self->zoom_start_distance / scale / self->distance);
}

static void
action_fit (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  mimic_scene_view_fit (MIMIC_SCENE_VIEW (widget));
}

static void
action_reset (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  mimic_scene_view_reset_camera (MIMIC_SCENE_VIEW (widget));
}

static void
action_zoom (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  mimic_scene_view_zoom (MIMIC_SCENE_VIEW (widget), g_variant_get_double (parameter));
}

static void
action_orbit (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  double yaw, pitch;

  g_variant_get (parameter, "(dd)", &yaw, &pitch);
  mimic_scene_view_orbit (MIMIC_SCENE_VIEW (widget), yaw, pitch);
}

/* ---- GObject ------------------------------------------------------------ */

static void
mimic_scene_view_dispose (GObject *object)
{
  MimicSceneView *self = MIMIC_SCENE_VIEW (object);

  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_clear_pointer (&self->gl_area, gtk_widget_unparent);

  G_OBJECT_CLASS (mimic_scene_view_parent_class)->dispose (object);
}

static void
mimic_scene_view_finalize (GObject *object)
{
  MimicSceneView *self = MIMIC_SCENE_VIEW (object);

  g_clear_pointer (&self->geometry, mimic_scene_geometry_unref);
  g_free (self->load_error);
  g_array_unref (self->buffers);
  g_free (self->vertex_source_override);
  g_free (self->fragment_source_override);
  g_hash_table_unref (self->states);
  g_hash_table_unref (self->values);
  g_free (self->legend_title);
  g_free (self->legend_unit);
  g_ptr_array_unref (self->labels);
  g_ptr_array_unref (self->bindings);
  g_free (self->selected_node);
  g_free (self->selected_sensor);
  g_free (self->gl_renderer);

  G_OBJECT_CLASS (mimic_scene_view_parent_class)->finalize (object);
}

static void
mimic_scene_view_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  MimicSceneView *self = MIMIC_SCENE_VIEW (object);

  switch (prop_id)
    {
    case PROP_SELECTED_NODE:
      g_value_set_string (value, self->selected_node);
      break;
    case PROP_SELECTED_SENSOR:
      g_value_set_string (value, self->selected_sensor);
      break;
    case PROP_HEATMAP:
      g_value_set_boolean (value, self->heatmap);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_scene_view_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  MimicSceneView *self = MIMIC_SCENE_VIEW (object);

  switch (prop_id)
    {
    case PROP_SELECTED_NODE:
      mimic_scene_view_set_selected_node (self, g_value_get_string (value));
      break;
    case PROP_SELECTED_SENSOR:
      mimic_scene_view_set_selected_sensor (self, g_value_get_string (value));
      break;
    case PROP_HEATMAP:
      mimic_scene_view_set_heatmap (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_scene_view_class_init (MimicSceneViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mimic_scene_view_dispose;
  object_class->finalize = mimic_scene_view_finalize;
  object_class->get_property = mimic_scene_view_get_property;
  object_class->set_property = mimic_scene_view_set_property;
  widget_class->snapshot = mimic_scene_view_snapshot;
  widget_class->measure = mimic_scene_view_measure;
  widget_class->size_allocate = mimic_scene_view_size_allocate;

  properties[PROP_SELECTED_NODE] =
    g_param_spec_string ("selected-node", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SELECTED_SENSOR] =
    g_param_spec_string ("selected-sensor", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HEATMAP] =
    g_param_spec_boolean ("heatmap", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MimicSceneView::part-picked:
   * @node_path: the part that was clicked
   * @sensor_id: (nullable): the sensor on it, if any
   */
  signals[PART_PICKED] =
    g_signal_new ("part-picked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  gtk_widget_class_set_css_name (widget_class, "mimic-scene-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);

  gtk_widget_class_install_action (widget_class, "scene.fit", NULL, action_fit);
  gtk_widget_class_install_action (widget_class, "scene.reset", NULL, action_reset);
  gtk_widget_class_install_action (widget_class, "scene.zoom", "d", action_zoom);
  gtk_widget_class_install_action (widget_class, "scene.orbit", "(dd)", action_orbit);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Home, 0, "scene.fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, 0, "scene.fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, 0, "scene.reset", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, 0, "scene.zoom", "d", 0.8);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_SHIFT_MASK, "scene.zoom", "d", 0.8);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, 0, "scene.zoom", "d", 0.8);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, 0, "scene.zoom", "d", 0.8);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, 0, "scene.zoom", "d", 1.25);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, 0, "scene.zoom", "d", 1.25);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, 0, "scene.orbit", "(dd)", -5.0, 0.0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, 0, "scene.orbit", "(dd)", 5.0, 0.0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Up, 0, "scene.orbit", "(dd)", 0.0, 5.0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Down, 0, "scene.orbit", "(dd)", 0.0, -5.0);
}

static void
mimic_scene_view_init (MimicSceneView *self)
{
  GtkGesture *drag, *click, *zoom;
  GtkEventController *scroll;

  self->buffers = g_array_new (FALSE, TRUE, sizeof (NodeBuffers));
  self->states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->labels = g_ptr_array_new_with_free_func (scene_label_free);
  self->bindings = g_ptr_array_new_with_free_func (sensor_binding_free);
  self->yaw = RESET_YAW_DEGREES;
  self->pitch = RESET_PITCH_DEGREES;
  self->distance = 5.f;
  self->scene_radius = 1.f;
  self->legend_max = 1.0;

  self->gl_area = gtk_gl_area_new ();
  gtk_gl_area_set_required_version (GTK_GL_AREA (self->gl_area), 3, 3);
  gtk_gl_area_set_has_depth_buffer (GTK_GL_AREA (self->gl_area), TRUE);
  gtk_gl_area_set_has_stencil_buffer (GTK_GL_AREA (self->gl_area), TRUE);
  /* Render only when queued; label-only changes reuse the last image. */
  gtk_gl_area_set_auto_render (GTK_GL_AREA (self->gl_area), FALSE);
  gtk_widget_set_focusable (self->gl_area, FALSE);
  g_signal_connect (self->gl_area, "realize", G_CALLBACK (on_area_realize), self);
  g_signal_connect (self->gl_area, "unrealize", G_CALLBACK (on_area_unrealize), self);
  g_signal_connect (self->gl_area, "render", G_CALLBACK (on_area_render), self);
  gtk_widget_set_parent (self->gl_area, GTK_WIDGET (self));

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);

  drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), 0);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "released", G_CALLBACK (on_click_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);

  zoom = gtk_gesture_zoom_new ();
  g_signal_connect (zoom, "begin", G_CALLBACK (on_zoom_begin), self);
  g_signal_connect (zoom, "scale-changed", G_CALLBACK (on_zoom_scale_changed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (zoom));
}

GtkWidget *
mimic_scene_view_new (void)
{
  return g_object_new (MIMIC_TYPE_SCENE_VIEW, NULL);
}
