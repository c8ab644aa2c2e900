/* test-asset-schematics.c
 *
 * Loads the sample assets' schematic SVGs with librsvg, as the console's
 * schematic view does, and checks them against the shared contract: every
 * bound sensor has its element and a value placeholder, the drawing
 * renders on a dark ground, and each element really changes colour when a
 * stylesheet targets its id (which fails if its colours were set inline).
 *
 * When MIMIC_SCHEMATIC_RENDER_DIR is set, the renderings are written there
 * as PNG files so a person can look at them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <librsvg/rsvg.h>

/* librsvg 2.54 does not declare this itself. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsvgHandle, g_object_unref)

typedef struct
{
  const char *name;
  const char *const *element_ids;
  /* Bent pipes: the middle of their bounding box is off the shape. */
  const char *const *hollow_ids;
} AssetSchematic;

static const char *const pump_skid_ids[] = {
  "motor", "motor-terminal", "motor-winding", "bearing-de", "bearing-nde",
  "pump-casing", "coupling", "flow-meter", "suction-pipe", "discharge-pipe",
  "valve", "ambient",
  NULL
};

static const char *const battery_rack_ids[] = {
  "module-01", "module-02", "module-03", "module-04", "module-05",
  "module-06", "module-07", "module-08", "module-09", "module-10",
  "module-11", "module-12", "module-13", "module-14", "module-15",
  "module-16",
  "rack-voltage", "busbar", "power", "soc", "soh", "coolant-inlet",
  "coolant-outlet",
  NULL
};

static const char *const pump_skid_hollow_ids[] = { "discharge-pipe", NULL };
static const char *const battery_rack_hollow_ids[] = { "coolant-inlet", "coolant-outlet", NULL };

static const AssetSchematic pump_skid = { "pump-skid", pump_skid_ids, pump_skid_hollow_ids };
static const AssetSchematic battery_rack = { "battery-rack", battery_rack_ids, battery_rack_hollow_ids };

/* A colour no neutral HMI drawing uses. */
#define PROBE_CSS "{ fill: #ff00ff; stroke: #ff00ff; }"

static char *
schematic_path (const AssetSchematic *asset)
{
  g_autofree char *file = g_strconcat (asset->name, ".svg", NULL);
  const char *data_dir = g_getenv ("MIMIC_DATA_DIR");

  g_assert_nonnull (data_dir);
  return g_build_filename (data_dir, "assets", asset->name, file, NULL);
}

static RsvgHandle *
load_schematic (const AssetSchematic *asset,
                const char           *stylesheet)
{
  g_autofree char *path = schematic_path (asset);
  g_autoptr(GError) error = NULL;
  RsvgHandle *handle;

  handle = rsvg_handle_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (handle);

  if (stylesheet != NULL)
    {
      rsvg_handle_set_stylesheet (handle, (const guint8 *) stylesheet, strlen (stylesheet), &error);
      g_assert_no_error (error);
    }
  return handle;
}

static cairo_surface_t *
render_schematic (RsvgHandle     *handle,
                  RsvgRectangle  *viewport)
{
  g_autoptr(GError) error = NULL;
  cairo_surface_t *surface;
  cairo_t *cr;
  double width = 0, height = 0;

  g_assert_true (rsvg_handle_get_intrinsic_size_in_pixels (handle, &width, &height));
  g_assert_cmpfloat (width, >, 0);
  g_assert_cmpfloat (height, >, 0);
  *viewport = (RsvgRectangle) { 0, 0, width, height };

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) width, (int) height);
  cr = cairo_create (surface);
  rsvg_handle_render_document (handle, cr, viewport, &error);
  g_assert_no_error (error);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}

static guint32
pixel_at (cairo_surface_t *surface,
          int              x,
          int              y)
{
  const guint8 *row = cairo_image_surface_get_data (surface) + y * cairo_image_surface_get_stride (surface);

  return ((const guint32 *) row)[x];
}

static gboolean
is_probe_colour (guint32 pixel)
{
  guint r = (pixel >> 16) & 0xff, g = (pixel >> 8) & 0xff, b = pixel & 0xff;

  return r > 220 && g < 40 && b > 220;
}

static guint
count_probe_pixels (cairo_surface_t     *surface,
                    const RsvgRectangle *area)
{
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  int x0 = CLAMP ((int) area->x, 0, width), x1 = CLAMP ((int) (area->x + area->width + 1), 0, width);
  int y0 = CLAMP ((int) area->y, 0, height), y1 = CLAMP ((int) (area->y + area->height + 1), 0, height);
  guint count = 0;

  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      if (is_probe_colour (pixel_at (surface, x, y)))
        count++;
  return count;
}

static void
test_schematic_has_contract_elements (gconstpointer data)
{
  const AssetSchematic *asset = data;
  g_autoptr(RsvgHandle) handle = load_schematic (asset, NULL);
  g_autofree char *path = schematic_path (asset);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; asset->element_ids[i] != NULL; i++)
    {
      const char *id = asset->element_ids[i];
      g_autofree char *selector = g_strconcat ("#", id, NULL);
      g_autofree char *value_selector = g_strconcat ("#", id, "-value", NULL);
      g_autofree char *attribute = g_strdup_printf ("id=\"%s\"", id);

      if (!rsvg_handle_has_sub (handle, selector))
        g_error ("%s.svg lacks the element %s", asset->name, selector);
      g_assert_true (rsvg_handle_has_sub (handle, value_selector));
      /* An id used twice would colour only one of the two shapes. */
      g_assert_nonnull (strstr (text, attribute));
      g_assert_null (strstr (strstr (text, attribute) + 1, attribute));
    }

  /* Self-contained: no links to other files, images or fonts. */
  g_assert_null (strstr (text, "href"));
  g_assert_null (strstr (text, "@import"));
  g_assert_null (strstr (text, "style="));
}

static void
test_schematic_renders (gconstpointer data)
{
  const AssetSchematic *asset = data;
  g_autoptr(RsvgHandle) handle = load_schematic (asset, NULL);
  g_autoptr(GHashTable) colours = g_hash_table_new (NULL, NULL);
  const char *render_dir = g_getenv ("MIMIC_SCHEMATIC_RENDER_DIR");
  RsvgRectangle viewport;
  cairo_surface_t *surface = render_schematic (handle, &viewport);
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  guint32 ground = pixel_at (surface, 1, 1);
  guint ground_luma = ((ground >> 16 & 0xff) * 3 + (ground >> 8 & 0xff) * 6 + (ground & 0xff)) / 10;
  guint ground_pixels = 0;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint32 pixel = pixel_at (surface, x, y);

        g_hash_table_add (colours, GUINT_TO_POINTER (pixel));
        if (pixel == ground)
          ground_pixels++;
        /* Nothing is drawn in the alarm colours while all is normal. */
        g_assert_false (is_probe_colour (pixel));
      }

  /* An opaque dark ground, mostly left empty, with line work on it. */
  g_assert_cmpuint (ground >> 24, ==, 0xff);
  g_assert_cmpuint (ground_luma, <, 80);
  g_assert_cmpuint (ground_pixels, >, (guint) (width * height / 2));
  g_assert_cmpuint (ground_pixels, <, (guint) (width * height * 98 / 100));
  g_assert_cmpuint (g_hash_table_size (colours), >, 8);

  if (render_dir != NULL && *render_dir != '\0')
    {
      g_autofree char *file = g_strconcat (asset->name, ".png", NULL);
      g_autofree char *png = g_build_filename (render_dir, file, NULL);

      g_assert_cmpint (g_mkdir_with_parents (render_dir, 0755), ==, 0);
      g_assert_cmpint (cairo_surface_write_to_png (surface, png), ==, CAIRO_STATUS_SUCCESS);
      g_test_message ("rendered %s", png);
    }

  cairo_surface_destroy (surface);
}

/* The console colours elements with a generated stylesheet; that only
 * works if their neutral colours are presentation attributes, which a
 * user stylesheet overrides, and if the element is the visible shape. */
static void
test_schematic_elements_take_stylesheet (gconstpointer data)
{
  const AssetSchematic *asset = data;

  for (guint i = 0; asset->element_ids[i] != NULL; i++)
    {
      const char *id = asset->element_ids[i];
      g_autofree char *selector = g_strconcat ("#", id, NULL);
      g_autofree char *stylesheet = g_strconcat (selector, " " PROBE_CSS, NULL);
      g_autoptr(RsvgHandle) handle = load_schematic (asset, stylesheet);
      g_autoptr(GError) error = NULL;
      RsvgRectangle viewport, ink, logical;
      cairo_surface_t *surface = render_schematic (handle, &viewport);
      guint recoloured;

      rsvg_handle_get_geometry_for_layer (handle, selector, &viewport, &ink, &logical, &error);
      g_assert_no_error (error);
      /* Big enough to see and to click. */
      g_assert_cmpfloat (ink.width, >=, 10);
      g_assert_cmpfloat (ink.height, >=, 10);

      recoloured = count_probe_pixels (surface, &ink);
      if (recoloured < 40)
        g_error ("%s.svg: styling %s recoloured only %u pixels", asset->name, selector, recoloured);

      /* Nothing else took the colour. */
      g_assert_cmpuint (count_probe_pixels (surface, &viewport), ==, recoloured);

      /* The console samples and labels an element at the middle of its
       * box, so no caption or symbol detail may cover it there. */
      if (!g_strv_contains ((const char *const *) asset->hollow_ids, id))
        {
          guint32 centre = pixel_at (surface,
                                     (int) (ink.x + ink.width / 2),
                                     (int) (ink.y + ink.height / 2));

          if (!is_probe_colour (centre))
            g_error ("%s.svg: the middle of %s does not show its state", asset->name, selector);
        }

      cairo_surface_destroy (surface);
    }
}

static void
add_asset_tests (const AssetSchematic *asset)
{
  g_autofree char *elements = g_strdup_printf ("/mimic/assets/schematic/%s/contract-elements", asset->name);
  g_autofree char *renders = g_strdup_printf ("/mimic/assets/schematic/%s/renders", asset->name);
  g_autofree char *stylesheet = g_strdup_printf ("/mimic/assets/schematic/%s/stylesheet", asset->name);

  g_test_add_data_func (elements, asset, test_schematic_has_contract_elements);
  g_test_add_data_func (renders, asset, test_schematic_renders);
  g_test_add_data_func (stylesheet, asset, test_schematic_elements_take_stylesheet);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  add_asset_tests (&pump_skid);
  add_asset_tests (&battery_rack);

  return g_test_run ();
}
