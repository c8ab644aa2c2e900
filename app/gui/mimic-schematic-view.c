/* mimic-schematic-view.c
 *
 * The asset's 2D schematic: its SVG drawn with librsvg, the elements bound
 * to sensors recoloured by display state through a stylesheet generated
 * from the bindings, and each sensor's live value written beside its
 * element. Colour changes go through the stylesheet rather than by editing
 * the SVG, so the artwork stays as drawn and any element id can be bound.
 *
 * Drawing is lazy: setters only mark what changed and queue a draw; the
 * stylesheet is rebuilt and the document re-rendered in snapshot, so many
 * updates in one frame cost one render, and a frame with no change costs
 * none.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-schematic-view"

#include "config.h"

#include <glib/gi18n.h>
#include <librsvg/rsvg.h>
#include <math.h>
#include <string.h>

#include "mimic-schematic-view.h"

#define MIN_ZOOM         0.25
#define MAX_ZOOM         40.0
#define ZOOM_STEP        1.25
#define FIT_MARGIN       12.0   /* px kept free around the fitted drawing */
#define DRAG_THRESHOLD   4.0    /* px a press may move and still be a click */
#define LABEL_GAP        6.0    /* px between an element and its value */
#define LABEL_PADDING    3.0

typedef struct
{
  char              *sensor_id;
  char              *svg_id;
  char              *unit;
  double             value;
  gboolean           has_value;
  MimicDisplayState  state;
  RsvgRectangle      box;        /* in document coordinates */
  gboolean           box_valid;
  gboolean           has_anchor;  /* the drawing marks where the value goes */
  double             anchor_x;    /* document coordinates of its baseline start */
  double             anchor_y;
  double             anchor_align; /* 0 start, 0.5 middle, 1 end */
  PangoLayout       *layout;     /* value + unit; NULL until first drawn */
} Binding;

struct _MimicSchematicView
{
  GtkWidget       parent_instance;

  RsvgHandle     *handle;
  double          doc_width;
  double          doc_height;
  char           *load_error;

  GPtrArray      *bindings;      /* Binding*, in binding order */
  GHashTable     *by_sensor;     /* sensor id → Binding* (borrowed) */
  GHashTable     *placeholders;  /* "ID-value" → ValuePlaceholder*, user units */
  double          viewbox_x;     /* user units → document pixels */
  double          viewbox_y;
  double          viewbox_scale_x;
  double          viewbox_scale_y;

  char           *stylesheet;
  gboolean        stylesheet_dirty;
  GskRenderNode  *document_node; /* the rendered SVG for the current view */

  char           *selected_sensor;

  /* View: zoom is relative to the fitted scale, pan in widget pixels. */
  double          zoom;
  double          pan_x;
  double          pan_y;
  double          drag_start_pan_x;
  double          drag_start_pan_y;
  gboolean        dragged;
  double          pinch_last_scale;
  double          pointer_x;
  double          pointer_y;
};

G_DEFINE_FINAL_TYPE (MimicSchematicView, mimic_schematic_view, GTK_TYPE_WIDGET)
G_DEFINE_QUARK (mimic-schematic-error-quark, mimic_schematic_error)

enum {
  PROP_0,
  PROP_SELECTED_SENSOR,
  PROP_ZOOM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SENSOR_PICKED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
binding_free (gpointer data)
{
  Binding *binding = data;

  g_free (binding->sensor_id);
  g_free (binding->svg_id);
  g_free (binding->unit);
  g_clear_object (&binding->layout);
  g_free (binding);
}

/* Only plain CSS identifiers go into the generated stylesheet, so an id in
 * an asset description can never inject rules of its own. */
static gboolean
is_css_identifier (const char *id)
{
  if (id == NULL || id[0] == '\0' || strlen (id) > 128)
    return FALSE;
  if (!g_ascii_isalpha (id[0]) && id[0] != '_')
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      return FALSE;

  return TRUE;
}

static void
invalidate_document (MimicSchematicView *self)
{
  g_clear_pointer (&self->document_node, gsk_render_node_unref);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Widget coordinates of the document origin and the document-to-widget
 * scale for the current size, zoom and pan. */
static void
get_view_transform (MimicSchematicView *self,
                    double             *scale,
                    double             *offset_x,
                    double             *offset_y)
{
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  double height = gtk_widget_get_height (GTK_WIDGET (self));
  double fit = 1.0;

  if (self->doc_width > 0 && self->doc_height > 0)
    fit = MIN ((width - 2 * FIT_MARGIN) / self->doc_width,
               (height - 2 * FIT_MARGIN) / self->doc_height);
  if (fit <= 0)
    fit = 1e-3;

  *scale = fit * self->zoom;
  *offset_x = (width - self->doc_width * *scale) / 2 + self->pan_x;
  *offset_y = (height - self->doc_height * *scale) / 2 + self->pan_y;
}

typedef struct
{
  double x;
  double y;
  double align;
} ValuePlaceholder;

typedef struct
{
  GHashTable *placeholders;
  GArray     *transformed;     /* gboolean per open element */
  guint       n_transformed;
} PlaceholderScan;

static void
scan_start_element (GMarkupParseContext  *context,
                    const char           *element_name,
                    const char          **attribute_names,
                    const char          **attribute_values,
                    gpointer              user_data,
                    GError              **error)
{
  PlaceholderScan *scan = user_data;
  const char *id = NULL, *x = NULL, *y = NULL, *anchor = NULL;
  gboolean transformed = scan->transformed->len > 0 && g_str_equal (element_name, "svg");

  for (guint i = 0; attribute_names[i] != NULL; i++)
    {
      if (g_str_equal (attribute_names[i], "id"))
        id = attribute_values[i];
      else if (g_str_equal (attribute_names[i], "x"))
        x = attribute_values[i];
      else if (g_str_equal (attribute_names[i], "y"))
        y = attribute_values[i];
      else if (g_str_equal (attribute_names[i], "text-anchor"))
        anchor = attribute_values[i];
      else if (g_str_equal (attribute_names[i], "transform"))
        transformed = TRUE;
    }

  g_array_append_val (scan->transformed, transformed);
  if (transformed)
    scan->n_transformed++;

  /* Only placeholders whose position is plain user units: one under a
   * transform would need the whole transform stack, and the value is then
   * placed beside its element instead. */
  if (g_str_equal (element_name, "text") && scan->n_transformed == 0 &&
      id != NULL && g_str_has_suffix (id, "-value") && x != NULL && y != NULL)
    {
      ValuePlaceholder *placeholder = g_new0 (ValuePlaceholder, 1);

      placeholder->x = g_ascii_strtod (x, NULL);
      placeholder->y = g_ascii_strtod (y, NULL);
      placeholder->align = g_strcmp0 (anchor, "middle") == 0 ? 0.5 : g_strcmp0 (anchor, "end") == 0 ? 1 : 0;
      if (isfinite (placeholder->x) && isfinite (placeholder->y))
        g_hash_table_replace (scan->placeholders, g_strdup (id), placeholder);
      else
        g_free (placeholder);
    }
}

static void
scan_end_element (GMarkupParseContext  *context,
                  const char           *element_name,
                  gpointer              user_data,
                  GError              **error)
{
  PlaceholderScan *scan = user_data;

  if (scan->transformed->len == 0)
    return;
  if (g_array_index (scan->transformed, gboolean, scan->transformed->len - 1))
    scan->n_transformed--;
  g_array_set_size (scan->transformed, scan->transformed->len - 1);
}

/* The sample drawings mark where each live value goes with an empty
 * <text id="ID-value">. librsvg gives an empty text no geometry, so the
 * markers are read from the file itself. */
static GHashTable *
scan_value_placeholders (const char *contents,
                         gsize       length)
{
  static const GMarkupParser parser = { scan_start_element, scan_end_element, NULL, NULL, NULL };
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GError) error = NULL;
  PlaceholderScan scan = {
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free),
    g_array_new (FALSE, FALSE, sizeof (gboolean)),
    0,
  };

  context = g_markup_parse_context_new (&parser, G_MARKUP_IGNORE_QUALIFIED, &scan, NULL);
  if (!g_markup_parse_context_parse (context, contents, length, &error) ||
      !g_markup_parse_context_end_parse (context, &error))
    {
      g_debug ("No value placeholders read: %s", error->message);
      g_hash_table_remove_all (scan.placeholders);
    }

  g_array_unref (scan.transformed);
  return scan.placeholders;
}

static void
update_element_box (MimicSchematicView *self,
                    Binding            *binding)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *selector = NULL;
  RsvgRectangle viewport = { 0, 0, self->doc_width, self->doc_height };
  RsvgRectangle logical;

  binding->box_valid = FALSE;
  binding->has_anchor = FALSE;
  if (self->handle == NULL)
    return;

  if (self->placeholders != NULL)
    {
      g_autofree char *placeholder_id = g_strconcat (binding->svg_id, "-value", NULL);
      ValuePlaceholder *placeholder = g_hash_table_lookup (self->placeholders, placeholder_id);

      if (placeholder != NULL)
        {
          binding->has_anchor = TRUE;
          binding->anchor_x = (placeholder->x - self->viewbox_x) * self->viewbox_scale_x;
          binding->anchor_y = (placeholder->y - self->viewbox_y) * self->viewbox_scale_y;
          binding->anchor_align = placeholder->align;
        }
    }

  /* The layer geometry is where the element lands in the whole drawing,
   * ancestors' transforms included, which is what hit tests and labels
   * need; the element-only geometry would ignore them. */
  selector = g_strconcat ("#", binding->svg_id, NULL);
  if (!rsvg_handle_has_sub (self->handle, selector))
    {
      g_debug ("Schematic has no element #%s for sensor %s",
               binding->svg_id, binding->sensor_id);
      return;
    }
  if (!rsvg_handle_get_geometry_for_layer (self->handle, selector, &viewport,
                                           &binding->box, &logical, &error))
    {
      g_debug ("No geometry for #%s: %s", binding->svg_id, error->message);
      return;
    }

  binding->box_valid = binding->box.width > 0 || binding->box.height > 0;
}

static void
append_state_rule (GString           *css,
                   const char        *svg_id,
                   MimicDisplayState  state,
                   gboolean           selected)
{
  /* User stylesheets rank below the document's own presentation
   * attributes in the cascade; !important lets the state win. The rule
   * reaches the shapes inside a bound group too, but neither the group
   * itself (its text would inherit the colours) nor its text. */
  g_string_append_printf (css,
                          "#%s:not(g), #%s *:not(g):not(text):not(tspan) {"
                          " fill: %s !important;"
                          " stroke: %s !important;",
                          svg_id, svg_id,
                          mimic_display_state_get_fill_css (state),
                          mimic_display_state_get_stroke_css (state));
  if (mimic_display_state_is_alarm (state) || selected)
    g_string_append (css, " stroke-width: 2.5px !important;");
  if (state == MIMIC_DISPLAY_STATE_STALE)
    g_string_append (css, " stroke-dasharray: 4 3 !important;");
  g_string_append (css, " }\n");
}

static void
regenerate_stylesheet (MimicSchematicView *self)
{
  g_autoptr(GString) css = g_string_new ("/* generated from the sensor states */\n");
  g_autoptr(GError) error = NULL;

  self->stylesheet_dirty = FALSE;

  for (guint i = 0; i < self->bindings->len; i++)
    {
      Binding *binding = g_ptr_array_index (self->bindings, i);

      append_state_rule (css, binding->svg_id, binding->state,
                         g_strcmp0 (binding->sensor_id, self->selected_sensor) == 0);
    }

  g_free (self->stylesheet);
  self->stylesheet = g_string_free (g_steal_pointer (&css), FALSE);

  if (self->handle != NULL &&
      !rsvg_handle_set_stylesheet (self->handle, (const guint8 *) self->stylesheet,
                                   strlen (self->stylesheet), &error))
    g_debug ("Stylesheet rejected: %s", error->message);
}

static GskRenderNode *
render_document (MimicSchematicView *self)
{
  g_autoptr(GError) error = NULL;
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  RsvgRectangle viewport = { 0, 0, self->doc_width, self->doc_height };
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  double height = gtk_widget_get_height (GTK_WIDGET (self));
  double scale, offset_x, offset_y;
  cairo_t *cr;

  get_view_transform (self, &scale, &offset_x, &offset_y);

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_translate (cr, offset_x, offset_y);
  cairo_scale (cr, scale, scale);
  if (!rsvg_handle_render_document (self->handle, cr, &viewport, &error))
    g_debug ("Rendering the schematic failed: %s", error->message);
  cairo_destroy (cr);

  return gtk_snapshot_free_to_node (snapshot);
}

static char *
format_value (const Binding *binding)
{
  const char *unit = binding->unit != NULL ? binding->unit : "";
  const char *space = unit[0] != '\0' ? " " : "";
  double magnitude;
  int decimals;

  if (!binding->has_value || !isfinite (binding->value))
    return g_strdup_printf ("—%s%s", space, unit);

  magnitude = fabs (binding->value);
  decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2;

  return g_strdup_printf ("%.*f%s%s", decimals, binding->value, space, unit);
}

static gboolean
rect_is_taken (MimicSchematicView    *self,
               Binding               *owner,
               GArray                *placed,
               const graphene_rect_t *rect,
               double                 scale,
               double                 offset_x,
               double                 offset_y)
{
  for (guint i = 0; i < placed->len; i++)
    if (graphene_rect_intersection (rect, &g_array_index (placed, graphene_rect_t, i), NULL))
      return TRUE;

  for (guint i = 0; i < self->bindings->len; i++)
    {
      Binding *other = g_ptr_array_index (self->bindings, i);
      graphene_rect_t box;

      if (other == owner || !other->box_valid)
        continue;
      graphene_rect_init (&box,
                          offset_x + other->box.x * scale, offset_y + other->box.y * scale,
                          other->box.width * scale, other->box.height * scale);
      /* An element that wholly contains this one (its group, say) is no
       * obstacle: the label has to go on top of it. */
      if (graphene_rect_contains_rect (&box, rect))
        continue;
      if (graphene_rect_intersection (rect, &box, NULL))
        return TRUE;
    }

  return FALSE;
}

static void
snapshot_label (MimicSchematicView *self,
                GtkSnapshot        *snapshot,
                Binding            *binding,
                GArray             *placed,
                double              scale,
                double              offset_x,
                double              offset_y)
{
  g_autofree char *text = format_value (binding);
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  double height = gtk_widget_get_height (GTK_WIDGET (self));
  double box_x = offset_x + binding->box.x * scale;
  double box_y = offset_y + binding->box.y * scale;
  double box_w = binding->box.width * scale;
  double box_h = binding->box.height * scale;
  GdkRGBA text_color = { 0.1, 0.1, 0.1, 1 };
  GdkRGBA ground = { 0.98, 0.98, 0.98, 0.92 };
  GdkRGBA edge;
  PangoRectangle extents;
  double label_x, label_y, label_w, label_h;

  if (binding->layout == NULL)
    binding->layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  pango_layout_set_text (binding->layout, text, -1);
  pango_layout_get_pixel_extents (binding->layout, NULL, &extents);

  label_w = extents.width + 2 * LABEL_PADDING;
  label_h = extents.height + 2 * LABEL_PADDING;

  if (binding->has_anchor)
    {
      /* Where the drawing says, its baseline on the marker's. */
      double baseline = pango_layout_get_baseline (binding->layout) / (double) PANGO_SCALE;

      label_x = offset_x + binding->anchor_x * scale - binding->anchor_align * extents.width - LABEL_PADDING;
      label_y = offset_y + binding->anchor_y * scale - baseline + extents.y - LABEL_PADDING;
      g_array_append_val (placed, GRAPHENE_RECT_INIT (label_x, label_y, label_w, label_h));
    }
  else
    {
      /* Right of the element, else left, below or above it: the first
       * place inside the view that covers no other bound element and no
       * label already placed. When none is free, right it is. */
      const graphene_point_t candidates[] = {
        { box_x + box_w + LABEL_GAP, box_y + (box_h - label_h) / 2 },
        { box_x - LABEL_GAP - label_w, box_y + (box_h - label_h) / 2 },
        { box_x + (box_w - label_w) / 2, box_y + box_h + LABEL_GAP },
        { box_x + (box_w - label_w) / 2, box_y - LABEL_GAP - label_h },
      };
      guint chosen = 0;

      for (guint c = 0; c < G_N_ELEMENTS (candidates); c++)
        {
          graphene_rect_t rect = GRAPHENE_RECT_INIT (candidates[c].x, candidates[c].y, label_w, label_h);

          if (rect.origin.x >= 0 && rect.origin.x + label_w <= width &&
              rect.origin.y >= 0 && rect.origin.y + label_h <= height &&
              !rect_is_taken (self, binding, placed, &rect, scale, offset_x, offset_y))
            {
              chosen = c;
              break;
            }
        }
      label_x = candidates[chosen].x;
      label_y = candidates[chosen].y;
      g_array_append_val (placed, GRAPHENE_RECT_INIT (label_x, label_y, label_w, label_h));
    }

  if (binding->state == MIMIC_DISPLAY_STATE_STALE)
    text_color = (GdkRGBA) { 0.45, 0.45, 0.45, 1 };
  mimic_display_state_get_stroke (binding->state, &edge);

  gtk_snapshot_append_color (snapshot, &ground,
                             &GRAPHENE_RECT_INIT (label_x, label_y, label_w, label_h));
  if (binding->state != MIMIC_DISPLAY_STATE_NORMAL)
    {
      GskRoundedRect outline;
      GdkRGBA edges[4] = { edge, edge, edge, edge };
      float widths[4] = { 1, 1, 1, 1 };

      gsk_rounded_rect_init_from_rect (&outline,
                                       &GRAPHENE_RECT_INIT (label_x, label_y, label_w, label_h), 0);
      gtk_snapshot_append_border (snapshot, &outline, widths, edges);
    }

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (label_x + LABEL_PADDING - extents.x,
                                                          label_y + LABEL_PADDING - extents.y));
  gtk_snapshot_append_layout (snapshot, binding->layout, &text_color);
  gtk_snapshot_restore (snapshot);
}

static void
snapshot_selection (MimicSchematicView *self,
                    GtkSnapshot        *snapshot,
                    Binding            *binding,
                    double              scale,
                    double              offset_x,
                    double              offset_y)
{
  /* A blue frame: selection is not a process state, so it takes a hue the
   * state palette does not use. */
  GdkRGBA blue = { 0.11, 0.44, 0.85, 1 };
  GdkRGBA edges[4] = { blue, blue, blue, blue };
  float widths[4] = { 2, 2, 2, 2 };
  GskRoundedRect outline;
  double margin = 4;

  gsk_rounded_rect_init_from_rect (&outline,
                                   &GRAPHENE_RECT_INIT (offset_x + binding->box.x * scale - margin,
                                                        offset_y + binding->box.y * scale - margin,
                                                        binding->box.width * scale + 2 * margin,
                                                        binding->box.height * scale + 2 * margin),
                                   3);
  gtk_snapshot_append_border (snapshot, &outline, widths, edges);
}

static void
snapshot_message (MimicSchematicView *self,
                  GtkSnapshot        *snapshot,
                  const char         *message)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), message);
  GdkRGBA color = { 0.3, 0.3, 0.3, 1 };
  int text_width, text_height;

  pango_layout_set_width (layout, gtk_widget_get_width (GTK_WIDGET (self)) * PANGO_SCALE);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_get_pixel_size (layout, &text_width, &text_height);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot,
                          &GRAPHENE_POINT_INIT (0, (gtk_widget_get_height (GTK_WIDGET (self)) - text_height) / 2.0));
  gtk_snapshot_append_layout (snapshot, layout, &color);
  gtk_snapshot_restore (snapshot);
}

static void
mimic_schematic_view_snapshot (GtkWidget   *widget,
                               GtkSnapshot *snapshot)
{
  MimicSchematicView *self = MIMIC_SCHEMATIC_VIEW (widget);
  /* The dark neutral ground of the sample schematics (ISA-101 practice),
   * so the margin around a drawing that does not fill the widget reads as
   * part of it rather than as a light frame in the dark console. */
  GdkRGBA ground = { 0x2b / 255.0, 0x30 / 255.0, 0x38 / 255.0, 1 };
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  double scale, offset_x, offset_y;
  Binding *selected = NULL;
  g_autoptr(GArray) placed = g_array_new (FALSE, FALSE, sizeof (graphene_rect_t));

  gtk_snapshot_append_color (snapshot, &ground, &GRAPHENE_RECT_INIT (0, 0, width, height));

  if (self->handle == NULL)
    {
      snapshot_message (self, snapshot,
                        self->load_error != NULL ? self->load_error : _("No schematic loaded"));
      return;
    }

  if (self->stylesheet_dirty)
    {
      regenerate_stylesheet (self);
      g_clear_pointer (&self->document_node, gsk_render_node_unref);
    }
  if (self->document_node == NULL)
    self->document_node = render_document (self);

  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gtk_snapshot_append_node (snapshot, self->document_node);

  get_view_transform (self, &scale, &offset_x, &offset_y);
  for (guint i = 0; i < self->bindings->len; i++)
    {
      Binding *binding = g_ptr_array_index (self->bindings, i);

      if (!binding->box_valid)
        continue;
      if (g_strcmp0 (binding->sensor_id, self->selected_sensor) == 0)
        selected = binding;
      snapshot_label (self, snapshot, binding, placed, scale, offset_x, offset_y);
    }
  if (selected != NULL)
    snapshot_selection (self, snapshot, selected, scale, offset_x, offset_y);

  gtk_snapshot_pop (snapshot);
}

static void
mimic_schematic_view_size_allocate (GtkWidget *widget,
                                    int        width,
                                    int        height,
                                    int        baseline)
{
  invalidate_document (MIMIC_SCHEMATIC_VIEW (widget));
}

static void
mimic_schematic_view_measure (GtkWidget      *widget,
                              GtkOrientation  orientation,
                              int             for_size,
                              int            *minimum,
                              int            *natural,
                              int            *minimum_baseline,
                              int            *natural_baseline)
{
  *minimum = 100;
  *natural = 400;
}

static void
set_view (MimicSchematicView *self,
          double              zoom,
          double              pan_x,
          double              pan_y)
{
  zoom = CLAMP (zoom, MIN_ZOOM, MAX_ZOOM);
  if (zoom == self->zoom && pan_x == self->pan_x && pan_y == self->pan_y)
    return;

  self->pan_x = pan_x;
  self->pan_y = pan_y;
  if (zoom != self->zoom)
    {
      self->zoom = zoom;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
    }
  invalidate_document (self);
}

void
mimic_schematic_view_zoom_at (MimicSchematicView *self,
                              double              factor,
                              double              x,
                              double              y)
{
  double scale, offset_x, offset_y, doc_x, doc_y, new_zoom, new_scale;
  double width, height;

  g_return_if_fail (MIMIC_IS_SCHEMATIC_VIEW (self));

  if (!isfinite (factor) || factor <= 0 || !isfinite (x) || !isfinite (y))
    return;

  get_view_transform (self, &scale, &offset_x, &offset_y);
  new_zoom = CLAMP (self->zoom * factor, MIN_ZOOM, MAX_ZOOM);
  new_scale = scale * new_zoom / self->zoom;

  /* Keep the document point under (x, y) where it is. */
  doc_x = (x - offset_x) / scale;
  doc_y = (y - offset_y) / scale;
  width = gtk_widget_get_width (GTK_WIDGET (self));
  height = gtk_widget_get_height (GTK_WIDGET (self));

  set_view (self, new_zoom,
            x - doc_x * new_scale - (width - self->doc_width * new_scale) / 2,
            y - doc_y * new_scale - (height - self->doc_height * new_scale) / 2);
}

void
mimic_schematic_view_pan (MimicSchematicView *self,
                          double              dx,
                          double              dy)
{
  g_return_if_fail (MIMIC_IS_SCHEMATIC_VIEW (self));

  if (!isfinite (dx) || !isfinite (dy))
    return;

  set_view (self, self->zoom, self->pan_x + dx, self->pan_y + dy);
}

void
mimic_schematic_view_fit (MimicSchematicView *self)
{
  g_return_if_fail (MIMIC_IS_SCHEMATIC_VIEW (self));

  set_view (self, 1.0, 0, 0);
}

double
mimic_schematic_view_get_zoom (MimicSchematicView *self)
{
  g_return_val_if_fail (MIMIC_IS_SCHEMATIC_VIEW (self), 1.0);

  return self->zoom;
}

static void
on_drag_begin (GtkGestureDrag     *gesture,
               double              start_x,
               double              start_y,
               MimicSchematicView *self)
{
  self->drag_start_pan_x = self->pan_x;
  self->drag_start_pan_y = self->pan_y;
  self->dragged = FALSE;
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

static void
on_drag_update (GtkGestureDrag     *gesture,
                double              offset_x,
                double              offset_y,
                MimicSchematicView *self)
{
  if (!self->dragged && hypot (offset_x, offset_y) < DRAG_THRESHOLD)
    return;

  self->dragged = TRUE;
  set_view (self, self->zoom,
            self->drag_start_pan_x + offset_x,
            self->drag_start_pan_y + offset_y);
}

static void
on_drag_end (GtkGestureDrag     *gesture,
             double              offset_x,
             double              offset_y,
             MimicSchematicView *self)
{
  double start_x, start_y;

  /* A press that did not move is a click: pick what is under it. */
  if (self->dragged || !gtk_gesture_drag_get_start_point (gesture, &start_x, &start_y))
    return;

  mimic_schematic_view_pick (self, start_x, start_y);
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           MimicSchematicView       *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
}

static gboolean
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           MimicSchematicView       *self)
{
  mimic_schematic_view_zoom_at (self, pow (1.1, -dy), self->pointer_x, self->pointer_y);
  return TRUE;
}

static void
on_pinch_begin (GtkGesture         *gesture,
                GdkEventSequence   *sequence,
                MimicSchematicView *self)
{
  self->pinch_last_scale = 1.0;
}

static void
on_pinch_scale_changed (GtkGestureZoom     *gesture,
                        double              scale,
                        MimicSchematicView *self)
{
  double x, y;

  if (scale <= 0 || self->pinch_last_scale <= 0)
    return;
  if (!gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &x, &y))
    return;

  mimic_schematic_view_zoom_at (self, scale / self->pinch_last_scale, x, y);
  self->pinch_last_scale = scale;
}

static void
zoom_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  MimicSchematicView *self = MIMIC_SCHEMATIC_VIEW (widget);
  double centre_x = gtk_widget_get_width (widget) / 2.0;
  double centre_y = gtk_widget_get_height (widget) / 2.0;

  if (g_str_equal (action_name, "schematic.zoom-in"))
    mimic_schematic_view_zoom_at (self, ZOOM_STEP, centre_x, centre_y);
  else if (g_str_equal (action_name, "schematic.zoom-out"))
    mimic_schematic_view_zoom_at (self, 1 / ZOOM_STEP, centre_x, centre_y);
  else
    mimic_schematic_view_fit (self);
}

static void
mimic_schematic_view_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  MimicSchematicView *self = MIMIC_SCHEMATIC_VIEW (object);

  switch (prop_id)
    {
    case PROP_SELECTED_SENSOR:
      g_value_set_string (value, self->selected_sensor);
      break;

    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_schematic_view_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  MimicSchematicView *self = MIMIC_SCHEMATIC_VIEW (object);

  switch (prop_id)
    {
    case PROP_SELECTED_SENSOR:
      mimic_schematic_view_set_selected_sensor (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_schematic_view_finalize (GObject *object)
{
  MimicSchematicView *self = MIMIC_SCHEMATIC_VIEW (object);

  g_clear_object (&self->handle);
  g_clear_pointer (&self->document_node, gsk_render_node_unref);
  g_clear_pointer (&self->by_sensor, g_hash_table_unref);
  g_clear_pointer (&self->placeholders, g_hash_table_unref);
  g_clear_pointer (&self->bindings, g_ptr_array_unref);
  g_free (self->stylesheet);
  g_free (self->selected_sensor);
  g_free (self->load_error);

  G_OBJECT_CLASS (mimic_schematic_view_parent_class)->finalize (object);
}

static void
mimic_schematic_view_class_init (MimicSchematicViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = mimic_schematic_view_finalize;
  object_class->get_property = mimic_schematic_view_get_property;
  object_class->set_property = mimic_schematic_view_set_property;

  widget_class->snapshot = mimic_schematic_view_snapshot;
  widget_class->size_allocate = mimic_schematic_view_size_allocate;
  widget_class->measure = mimic_schematic_view_measure;

  properties[PROP_SELECTED_SENSOR] =
    g_param_spec_string ("selected-sensor", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL, MIN_ZOOM, MAX_ZOOM, 1.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MimicSchematicView::sensor-picked:
   * @sensor_id: the sensor whose element was clicked
   *
   * Emitted when the operator clicks an element bound to a sensor.
   */
  signals[SENSOR_PICKED] =
    g_signal_new ("sensor-picked",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_install_action (widget_class, "schematic.zoom-in", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "schematic.zoom-out", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "schematic.fit", NULL, zoom_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, 0, "schematic.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, 0, "schematic.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, 0, "schematic.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, 0, "schematic.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, 0, "schematic.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, 0, "schematic.fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Home, 0, "schematic.fit", NULL);

  gtk_widget_class_set_css_name (widget_class, "schematic");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
mimic_schematic_view_init (MimicSchematicView *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkGesture *pinch = gtk_gesture_zoom_new ();
  GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  GtkEventController *motion = gtk_event_controller_motion_new ();

  self->bindings = g_ptr_array_new_with_free_func (binding_free);
  self->by_sensor = g_hash_table_new (g_str_hash, g_str_equal);
  self->zoom = 1.0;

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  g_signal_connect (pinch, "begin", G_CALLBACK (on_pinch_begin), self);
  g_signal_connect (pinch, "scale-changed", G_CALLBACK (on_pinch_scale_changed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (pinch));

  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);

  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
}

GtkWidget *
mimic_schematic_view_new (void)
{
  return g_object_new (MIMIC_TYPE_SCHEMATIC_VIEW, NULL);
}

typedef struct
{
  RsvgHandle *handle;
  GHashTable *placeholders;
} ParsedSchematic;

static void
parsed_schematic_free (ParsedSchematic *parsed)
{
  g_clear_object (&parsed->handle);
  g_clear_pointer (&parsed->placeholders, g_hash_table_unref);
  g_free (parsed);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ParsedSchematic, parsed_schematic_free)

/* Reads and parses the drawing; safe on a worker thread, since the handle
 * is used on the main thread only after this returns. */
static ParsedSchematic *
parse_schematic (GFile         *file,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(ParsedSchematic) parsed = g_new0 (ParsedSchematic, 1);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_load_contents (file, cancellable, &contents, &length, NULL, error))
    return NULL;

  parsed->placeholders = scan_value_placeholders (contents, length);
  bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
  stream = g_memory_input_stream_new_from_bytes (bytes);
  parsed->handle = rsvg_handle_new_from_stream_sync (stream, file, RSVG_HANDLE_FLAGS_NONE,
                                                     cancellable, error);
  if (parsed->handle == NULL)
    return NULL;

  return g_steal_pointer (&parsed);
}

/* Installs a freshly parsed drawing, or the reason there is none. Takes
 * ownership of parsed and of load_error. */
static gboolean
adopt_schematic (MimicSchematicView  *self,
                 GFile               *file,
                 ParsedSchematic     *parsed,
                 GError              *load_error,
                 GError             **error)
{
  g_autoptr(ParsedSchematic) owned = parsed;
  g_autoptr(GError) owned_error = load_error;
  g_autofree char *name = g_file_get_parse_name (file);
  double width = 0, height = 0;
  gboolean has_viewbox = FALSE;
  RsvgRectangle viewbox;

  g_clear_object (&self->handle);
  g_clear_pointer (&self->placeholders, g_hash_table_unref);
  g_clear_pointer (&self->load_error, g_free);
  invalidate_document (self);
  for (guint i = 0; i < self->bindings->len; i++)
    update_element_box (self, g_ptr_array_index (self->bindings, i));

  if (owned == NULL)
    {
      self->load_error = g_strdup_printf (_("Could not load the schematic %s: %s"),
                                          name, owned_error->message);
      g_set_error_literal (error, MIMIC_SCHEMATIC_ERROR, MIMIC_SCHEMATIC_ERROR_LOAD,
                           self->load_error);
      return FALSE;
    }

  rsvg_handle_get_intrinsic_dimensions (owned->handle, NULL, NULL, NULL, NULL,
                                        &has_viewbox, &viewbox);
  if (!rsvg_handle_get_intrinsic_size_in_pixels (owned->handle, &width, &height) && has_viewbox)
    {
      /* A drawing sized in percentages still has its viewBox to go by. */
      width = viewbox.width;
      height = viewbox.height;
    }
  if (!(width > 0 && height > 0 && isfinite (width) && isfinite (height)))
    {
      self->load_error = g_strdup_printf (_("The schematic %s has no size"), name);
      g_set_error_literal (error, MIMIC_SCHEMATIC_ERROR, MIMIC_SCHEMATIC_ERROR_NO_SIZE,
                           self->load_error);
      return FALSE;
    }

  self->viewbox_x = has_viewbox ? viewbox.x : 0;
  self->viewbox_y = has_viewbox ? viewbox.y : 0;
  self->viewbox_scale_x = has_viewbox && viewbox.width > 0 ? width / viewbox.width : 1;
  self->viewbox_scale_y = has_viewbox && viewbox.height > 0 ? height / viewbox.height : 1;

  rsvg_handle_set_dpi (owned->handle, 96);
  self->handle = g_steal_pointer (&owned->handle);
  self->placeholders = g_steal_pointer (&owned->placeholders);
  self->doc_width = width;
  self->doc_height = height;
  self->stylesheet_dirty = TRUE;

  for (guint i = 0; i < self->bindings->len; i++)
    update_element_box (self, g_ptr_array_index (self->bindings, i));

  set_view (self, 1.0, 0, 0);
  return TRUE;
}

/**
 * mimic_schematic_view_set_svg_file:
 *
 * Loads the schematic synchronously, for small files and tests; the
 * console uses mimic_schematic_view_load_svg_async(). On failure the view
 * keeps no drawing and says why in its area.
 */
gboolean
mimic_schematic_view_set_svg_file (MimicSchematicView  *self,
                                   GFile               *file,
                                   GError             **error)
{
  GError *load_error = NULL;
  ParsedSchematic *parsed;

  g_return_val_if_fail (MIMIC_IS_SCHEMATIC_VIEW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  parsed = parse_schematic (file, NULL, &load_error);
  return adopt_schematic (self, file, parsed, load_error, error);
}

static void
parse_svg_in_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  GError *error = NULL;
  ParsedSchematic *parsed;

  /* Reading and parsing a large drawing takes long enough to stall the UI. */
  parsed = parse_schematic (task_data, cancellable, &error);
  if (parsed == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, parsed, (GDestroyNotify) parsed_schematic_free);
}

static void
on_svg_parsed (GObject      *source_object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  MimicSchematicView *self = g_task_get_source_object (task);
  GError *load_error = NULL;
  GError *error = NULL;
  ParsedSchematic *parsed;

  parsed = g_task_propagate_pointer (G_TASK (result), &load_error);
  if (g_error_matches (load_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, load_error);
      return;
    }

  if (adopt_schematic (self, g_task_get_task_data (task), parsed, load_error, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * mimic_schematic_view_load_svg_async:
 *
 * Reads and parses the drawing on a worker thread, then shows it. A
 * cancelled load leaves the view as it was.
 */
void
mimic_schematic_view_load_svg_async (MimicSchematicView  *self,
                                     GFile               *file,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) parse = NULL;
  GTask *task;

  g_return_if_fail (MIMIC_IS_SCHEMATIC_VIEW (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimic_schematic_view_load_svg_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);

  parse = g_task_new (NULL, cancellable, on_svg_parsed, task);
  g_task_set_task_data (parse, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (parse, parse_svg_in_thread);
}

gboolean
mimic_schematic_view_load_svg_finish (MimicSchematicView  *self,
                                      GAsyncResult        *result,
                                      GError             **error)
{
  g_return_val_if_fail (MIMIC_IS_SCHEMATIC_VIEW (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * mimic_schematic_view_bind_sensor:
 * @sensor_id: the sensor, as the twin store names it
 * @svg_id: the id of the element that stands for the sensor
 * @unit: (nullable): the unit written after the value
 *
 * Binds a sensor to an element. Binding the same sensor again moves it to
 * the new element. An element missing from the drawing is not an error
 * (it gets no colour and no label); an id that is not a plain CSS
 * identifier is.
 */
gboolean
mimic_schematic_view_bind_sensor (MimicSchematicView  *self,
                                  const char          *sensor_id,
                                  const char          *svg_id,
                                  const char          *unit,
                                  GError             **error)
{
  Binding *binding;

  g_return_val_if_fail (MIMIC_IS_SCHEMATIC_VIEW (self), FALSE);
  g_return_val_if_fail (sensor_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!is_css_identifier (svg_id))
    {
      g_set_error (error, MIMIC_SCHEMATIC_ERROR, MIMIC_SCHEMATIC_ERROR_INVALID_ID,
                   _("“%s” cannot be a schematic element id: use letters, digits, “-” and “_”, starting with a letter"),
                   svg_id != NULL ? svg_id : "");
      return FALSE;
    }

  binding = g_hash_table_lookup (self->by_sensor, sensor_id);
  if (binding == NULL)
    {
      binding = g_new0 (Binding, 1);
      binding->sensor_id = g_strdup (sensor_id);
      binding->state = MIMIC_DISPLAY_STATE_STALE;
      binding->value = NAN;
      g_ptr_array_add (self->bindings, binding);
      g_hash_table_insert (self->by_sensor, binding->sensor_id, binding);
    }

  g_free (binding->svg_id);
  binding->svg_id = g_strdup (svg_id);
  g_free (binding->unit);
  binding->unit = g_strdup (unit);
  update_element_box (self, binding);

  self->stylesheet_dirty = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return TRUE;
}

void
mimic_schematic_view_clear_bindings (MimicSchematicView *self)
{
  g_return_if_fail (MIMIC_IS_SCHEMATIC_VIEW (self));

  mimic_schematic_view_set_selected_sensor (self, NULL);
  g_hash_table_remove_all (self->by_sensor);
  g_ptr_array_set_size (self->bindings, 0);
  self->stylesheet_dirty = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/**
 * mimic_schematic_view_set_sensor_value:
 * @value: the latest value; a non-finite one is shown as “—”
 *
 * Sets what a sensor shows. Nothing is redrawn when value and state are
 * what they were; a state change regenerates the stylesheet once, at the
 * next frame, however many sensors changed.
 */
void
mimic_schematic_view_set_sensor_value (MimicSchematicView *self,
                                       const char         *sensor_id,
                                       double              value,
                                       MimicDisplayState   state)
{
  Binding *binding;
  gboolean has_value = isfinite (value);

  g_return_if_fail (MIMIC_IS_SCHEMATIC_VIEW (self));
  g_return_if_fail (sensor_id != NULL);

  binding = g_hash_table_lookup (self->by_sensor, sensor_id);
  if (binding == NULL)
    return;
  if ((guint) state > MIMIC_DISPLAY_STATE_LAST)
    state = MIMIC_DISPLAY_STATE_STALE;

  if (binding->state != state)
    {
      binding->state = state;
      self->stylesheet_dirty = TRUE;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  if (binding->has_value != has_value || (has_value && binding->value != value))
    {
      binding->has_value = has_value;
      binding->value = has_value ? value : NAN;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

const char *
mimic_schematic_view_get_selected_sensor (MimicSchematicView *self)
{
  g_return_val_if_fail (MIMIC_IS_SCHEMATIC_VIEW (self), NULL);

  return self->selected_sensor;
}

void
mimic_schematic_view_set_selected_sensor (MimicSchematicView *self,
                                          const char         *sensor_id)
{
  g_return_if_fail (MIMIC_IS_SCHEMATIC_VIEW (self));

  if (g_strcmp0 (self->selected_sensor, sensor_id) == 0)
    return;

  g_free (self->selected_sensor);
  self->selected_sensor = g_strdup (sensor_id);
  self->stylesheet_dirty = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_SENSOR]);
}

/**
 * mimic_schematic_view_pick:
 * @x: widget x coordinate
 * @y: widget y coordinate
 *
 * What a click at (@x, @y) does: selects the sensor whose element is there
 * (the smallest, where elements nest), emits #MimicSchematicView::sensor-picked
 * and returns the sensor id; a click on no bound element clears the
 * selection and returns %NULL.
 */
const char *
mimic_schematic_view_pick (MimicSchematicView *self,
                           double              x,
                           double              y)
{
  double scale, offset_x, offset_y, doc_x, doc_y;
  Binding *best = NULL;
  double best_area = INFINITY;

  g_return_val_if_fail (MIMIC_IS_SCHEMATIC_VIEW (self), NULL);

  if (self->handle == NULL || !isfinite (x) || !isfinite (y))
    return NULL;

  get_view_transform (self, &scale, &offset_x, &offset_y);
  doc_x = (x - offset_x) / scale;
  doc_y = (y - offset_y) / scale;

  for (guint i = 0; i < self->bindings->len; i++)
    {
      Binding *binding = g_ptr_array_index (self->bindings, i);
      double area = binding->box.width * binding->box.height;

      if (!binding->box_valid ||
          doc_x < binding->box.x || doc_x > binding->box.x + binding->box.width ||
          doc_y < binding->box.y || doc_y > binding->box.y + binding->box.height)
        continue;
      if (area < best_area)
        {
          best = binding;
          best_area = area;
        }
    }

  mimic_schematic_view_set_selected_sensor (self, best != NULL ? best->sensor_id : NULL);
  if (best != NULL)
    g_signal_emit (self, signals[SENSOR_PICKED], 0, best->sensor_id);

  return self->selected_sensor;
}

/**
 * mimic_schematic_view_get_element_bounds:
 * @bounds: (out): where the sensor's element is drawn, in widget coordinates
 *
 * Returns: %FALSE when the sensor is not bound or its element is not in
 * the drawing.
 */
gboolean
mimic_schematic_view_get_element_bounds (MimicSchematicView *self,
                                         const char         *sensor_id,
                                         graphene_rect_t    *bounds)
{
  Binding *binding;
  double scale, offset_x, offset_y;

  g_return_val_if_fail (MIMIC_IS_SCHEMATIC_VIEW (self), FALSE);
  g_return_val_if_fail (sensor_id != NULL, FALSE);
  g_return_val_if_fail (bounds != NULL, FALSE);

  binding = g_hash_table_lookup (self->by_sensor, sensor_id);
  if (binding == NULL || !binding->box_valid)
    return FALSE;

  get_view_transform (self, &scale, &offset_x, &offset_y);
  graphene_rect_init (bounds,
                      offset_x + binding->box.x * scale,
                      offset_y + binding->box.y * scale,
                      binding->box.width * scale,
                      binding->box.height * scale);
  return TRUE;
}

/**
 * mimic_schematic_view_get_label_text:
 *
 * Returns: (transfer full) (nullable): the text drawn beside the sensor's
 * element, or %NULL when the sensor is not bound.
 */
char *
mimic_schematic_view_get_label_text (MimicSchematicView *self,
                                     const char         *sensor_id)
{
  Binding *binding;

  g_return_val_if_fail (MIMIC_IS_SCHEMATIC_VIEW (self), NULL);
  g_return_val_if_fail (sensor_id != NULL, NULL);

  binding = g_hash_table_lookup (self->by_sensor, sensor_id);
  return binding != NULL ? format_value (binding) : NULL;
}

/**
 * mimic_schematic_view_get_stylesheet:
 *
 * Returns: (nullable): the stylesheet last handed to librsvg.
 */
const char *
mimic_schematic_view_get_stylesheet (MimicSchematicView *self)
{
  g_return_val_if_fail (MIMIC_IS_SCHEMATIC_VIEW (self), NULL);

  return self->stylesheet;
}
