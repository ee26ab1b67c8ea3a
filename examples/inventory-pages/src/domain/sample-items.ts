import type { NewItem } from './validation.js'

/** What a first start shows: a small hardware shop, a few items already below their reorder level. */
export const sampleItems: readonly NewItem[] = [
  { sku: 'HAM-001', name: 'Claw hammer 16 oz', quantity: 12, location: 'Aisle 1', category: 'Hand tools', reorder_level: 5, unit_cost: 14.5 },
  { sku: 'SCR-410', name: 'Wood screws 4×40 mm (box of 200)', quantity: 3, location: 'Aisle 2', category: 'Fasteners', reorder_level: 10, unit_cost: 6.2 },
  { sku: 'NAI-250', name: 'Galvanised nails 50 mm (1 kg)', quantity: 24, location: 'Aisle 2', category: 'Fasteners', reorder_level: 8, unit_cost: 4.8 },
  { sku: 'TAP-005', name: 'Measuring tape 5 m', quantity: 7, location: 'Aisle 1', category: 'Measuring', reorder_level: 4, unit_cost: 9.9 },
  { sku: 'LEV-060', name: 'Spirit level 60 cm', quantity: 2, location: 'Aisle 1', category: 'Measuring', reorder_level: 3, unit_cost: 21 },
  { sku: 'DRL-018', name: 'Cordless drill 18 V', quantity: 4, location: 'Cage', category: 'Power tools', reorder_level: 2, unit_cost: 89 },
  { sku: 'BIT-HSS-10', name: 'HSS drill bit set (10 pcs)', quantity: 15, location: 'Cage', category: 'Power tools', reorder_level: 5, unit_cost: 12.75 },
  { sku: 'GLV-L', name: 'Work gloves, size L', quantity: 0, location: 'Back store', category: 'Safety', reorder_level: 6, unit_cost: 3.4 },
  { sku: 'GOG-01', name: 'Safety goggles', quantity: 18, location: 'Back store', category: 'Safety', reorder_level: 6, unit_cost: 5.25 },
  { sku: 'PNT-WH-2.5', name: 'White wall paint 2.5 l', quantity: 9, location: 'Aisle 3', category: 'Paint', reorder_level: 4, unit_cost: 24.9 },
  { sku: 'BRS-50', name: 'Paint brush 50 mm', quantity: 30, location: 'Aisle 3', category: 'Paint', reorder_level: 10, unit_cost: 2.6 },
  { sku: 'SND-120', name: 'Sandpaper P120 (10 sheets)', quantity: 5, location: 'Aisle 3', category: 'Paint', reorder_level: 8, unit_cost: 3.9 },
]
